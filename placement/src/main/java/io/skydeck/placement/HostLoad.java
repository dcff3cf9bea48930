package io.skydeck.placement;

/**
 * What one host holds against its capacity, the layer below {@link ZoneCapacity} (the console's
 * heat map shows it); {@code allocations} counts what this engine placed there (capacity already
 * used when the host was added is in {@code free} but not counted).
 */
public record HostLoad(PlacementTarget target, Resources capacity, Resources free, int allocations) {
}
