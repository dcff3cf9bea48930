package io.skydeck.placement;

import java.util.Map;
import java.util.Objects;

/**
 * A machine placement may choose: where it is (provider, region, zone), how big it is and how
 * it is priced. Free capacity is not part of it — that is the engine's state, changed by
 * every placement and release.
 */
public record Host(String provider, ProviderKind kind, String region, String zone, String hostId,
                   Resources capacity, HourlyRate rate, Map<String, String> labels) {

    public Host {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(hostId, "hostId");
        Objects.requireNonNull(rate, "rate");
        if (capacity.vcpu() == 0 || capacity.memoryMib() == 0) {
            throw new IllegalArgumentException("host " + hostId + " needs vCPU and memory capacity");
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public Host(String provider, ProviderKind kind, String region, String zone, String hostId,
                Resources capacity, HourlyRate rate) {
        this(provider, kind, region, zone, hostId, capacity, rate, Map.of());
    }

    public PlacementTarget target() {
        return new PlacementTarget(provider, kind, region, zone, hostId);
    }
}
