package io.skydeck.placement;

/**
 * An amount of compute: whole vCPUs, memory in MiB and whole GPUs. Used for host capacity,
 * free capacity and demand alike.
 */
public record Resources(int vcpu, long memoryMib, int gpu) {

    public static final Resources NONE = new Resources(0, 0, 0);

    public Resources {
        if (vcpu < 0 || memoryMib < 0 || gpu < 0) {
            throw new IllegalArgumentException("resources cannot be negative: " + vcpu + " vCPU, "
                    + memoryMib + " MiB, " + gpu + " GPU");
        }
    }

    public static Resources of(int vcpu, long memoryMib) {
        return new Resources(vcpu, memoryMib, 0);
    }

    public static Resources of(int vcpu, long memoryMib, int gpu) {
        return new Resources(vcpu, memoryMib, gpu);
    }

    public Resources plus(Resources other) {
        return new Resources(vcpu + other.vcpu, memoryMib + other.memoryMib, gpu + other.gpu);
    }

    /** @throws IllegalArgumentException if the result would be negative in any dimension */
    public Resources minus(Resources other) {
        return new Resources(vcpu - other.vcpu, memoryMib - other.memoryMib, gpu - other.gpu);
    }

    public boolean fitsIn(Resources other) {
        return vcpu <= other.vcpu && memoryMib <= other.memoryMib && gpu <= other.gpu;
    }
}
