package io.skydeck.placement;

import java.math.BigDecimal;

/**
 * Optional constraints of a request; a {@code null} component means "no constraint".
 *
 * <p>The zone hint matches the zone's name only; combine it with a region hint when zone names
 * repeat across regions. Affinity and anti-affinity group names are scoped to the tenant: two
 * tenants using the group name "db" never constrain each other.
 */
public record PlacementHints(ProviderKind providerKind, String region, String zone,
                             String affinityGroup, String antiAffinityGroup,
                             BigDecimal maxHourlyPrice, String flavor) {

    private static final PlacementHints NONE = new PlacementHints(null, null, null, null, null, null, null);

    public PlacementHints {
        if (maxHourlyPrice != null && maxHourlyPrice.signum() < 0) {
            throw new IllegalArgumentException("a price ceiling cannot be negative: " + maxHourlyPrice);
        }
    }

    public static PlacementHints none() {
        return NONE;
    }

    public PlacementHints withProviderKind(ProviderKind kind) {
        return new PlacementHints(kind, region, zone, affinityGroup, antiAffinityGroup, maxHourlyPrice, flavor);
    }

    public PlacementHints inRegion(String name) {
        return new PlacementHints(providerKind, name, zone, affinityGroup, antiAffinityGroup, maxHourlyPrice, flavor);
    }

    public PlacementHints inZone(String name) {
        return new PlacementHints(providerKind, region, name, affinityGroup, antiAffinityGroup, maxHourlyPrice, flavor);
    }

    public PlacementHints withAffinityGroup(String group) {
        return new PlacementHints(providerKind, region, zone, group, antiAffinityGroup, maxHourlyPrice, flavor);
    }

    public PlacementHints withAntiAffinityGroup(String group) {
        return new PlacementHints(providerKind, region, zone, affinityGroup, group, maxHourlyPrice, flavor);
    }

    public PlacementHints withMaxHourlyPrice(BigDecimal ceiling) {
        return new PlacementHints(providerKind, region, zone, affinityGroup, antiAffinityGroup, ceiling, flavor);
    }

    public PlacementHints withFlavor(String name) {
        return new PlacementHints(providerKind, region, zone, affinityGroup, antiAffinityGroup, maxHourlyPrice, name);
    }
}
