package io.skydeck.placement;

/** A placement the engine holds capacity for, until it is released. */
public record Allocation(String requestId, String tenantId, PlacementTarget target, Resources demand,
                         String affinityGroup, String antiAffinityGroup) {
}
