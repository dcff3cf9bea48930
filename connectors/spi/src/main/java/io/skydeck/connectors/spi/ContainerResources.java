package io.skydeck.connectors.spi;

/** Container-sized compute in Kubernetes units: millicores, MiB, and a pod count. */
public record ContainerResources(long cpuMillis, long memoryMiB, int pods) {
    public static final ContainerResources NONE = new ContainerResources(0, 0, 0);

    public ContainerResources {
        if (cpuMillis < 0 || memoryMiB < 0 || pods < 0) {
            throw new IllegalArgumentException("container resources cannot be negative: "
                    + cpuMillis + "m, " + memoryMiB + " MiB, " + pods + " pods");
        }
    }

    public ContainerResources plus(ContainerResources other) {
        return new ContainerResources(cpuMillis + other.cpuMillis, memoryMiB + other.memoryMiB, pods + other.pods);
    }

    public ContainerResources minus(ContainerResources other) {
        return new ContainerResources(cpuMillis - other.cpuMillis, memoryMiB - other.memoryMiB, pods - other.pods);
    }

    public ContainerResources times(int replicas) {
        return new ContainerResources(cpuMillis * replicas, memoryMiB * replicas, pods * replicas);
    }

    public boolean fits(ContainerResources demand) {
        return demand.cpuMillis <= cpuMillis && demand.memoryMiB <= memoryMiB && demand.pods <= pods;
    }
}
