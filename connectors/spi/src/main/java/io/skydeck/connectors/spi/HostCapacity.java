package io.skydeck.connectors.spi;

import java.util.Objects;

/**
 * One host (hypervisor, physical machine) and what is left on it. {@code capacity} already
 * includes the provider's overcommit ratios, so placement compares demand with {@code free}
 * and nothing else. Public clouds that hide their hosts report none.
 */
public record HostCapacity(String hostId, String region, String zone, Resources capacity, Resources free) {
    public HostCapacity {
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(free, "free");
    }

    public Resources used() {
        return capacity.minus(free);
    }
}
