package io.skydeck.connectors.spi;

import java.util.Objects;

/** A pool containers run on (a Kubernetes node, a node group) and what is left in it. */
public record ContainerCapacity(String poolId, String region, String zone,
                                ContainerResources allocatable, ContainerResources free) {
    public ContainerCapacity {
        Objects.requireNonNull(poolId, "poolId");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(allocatable, "allocatable");
        Objects.requireNonNull(free, "free");
    }
}
