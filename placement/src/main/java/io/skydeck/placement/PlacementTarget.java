package io.skydeck.placement;

/** Where a placement lands, from the widest choice to the narrowest: provider → region → zone → host. */
public record PlacementTarget(String provider, ProviderKind kind, String region, String zone, String hostId) {

    @Override
    public String toString() {
        return provider + "/" + region + "/" + zone + "/" + hostId;
    }
}
