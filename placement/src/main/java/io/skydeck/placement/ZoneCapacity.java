package io.skydeck.placement;

/** Capacity of one zone of one provider, as the scheduler's capacity view shows it. */
public record ZoneCapacity(String provider, ProviderKind kind, String region, String zone,
                           int hosts, int hostsInUse, Resources capacity, Resources free) {
}
