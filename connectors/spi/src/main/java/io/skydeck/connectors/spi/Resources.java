package io.skydeck.connectors.spi;

/**
 * An amount of compute: what a flavor asks for, what a host has, what is left. Memory in MiB
 * because Nova and Kubernetes both count in it and it stays integral.
 */
public record Resources(int vcpus, long memoryMiB, int gpus) {
    public static final Resources NONE = new Resources(0, 0, 0);

    public Resources {
        if (vcpus < 0 || memoryMiB < 0 || gpus < 0) {
            throw new IllegalArgumentException("resources cannot be negative: " + vcpus + " vCPU, " + memoryMiB + " MiB, " + gpus + " GPU");
        }
    }

    public Resources plus(Resources other) {
        return new Resources(vcpus + other.vcpus, memoryMiB + other.memoryMiB, gpus + other.gpus);
    }

    /** @throws IllegalArgumentException if {@code other} does not fit in this */
    public Resources minus(Resources other) {
        return new Resources(vcpus - other.vcpus, memoryMiB - other.memoryMiB, gpus - other.gpus);
    }

    public boolean fits(Resources demand) {
        return demand.vcpus <= vcpus && demand.memoryMiB <= memoryMiB && demand.gpus <= gpus;
    }
}
