package io.skydeck.connectors.spi;

import java.util.List;

/**
 * What a provider has and what is left, region by region; the zones of a region are in
 * {@link CloudProvider#regions()}. Every answer is a snapshot: placement treats it as a hint
 * and the create call as the arbiter.
 */
public non-sealed interface Inventory extends Capability {

    /** Flavors (instance types) offered in the region. */
    List<Flavor> flavors(String region);

    /**
     * Images servers can boot from in the region. Empty when the provider has no catalogue
     * Skydeck reads (then an image reference goes to the provider as given).
     */
    default List<Image> images(String region) {
        return List.of();
    }

    /** Hosts with capacity and free capacity; empty for clouds that hide their hosts (AWS). */
    List<HostCapacity> hosts(String region);

    /** Pools that run containers; empty for a provider without {@link Workloads}. */
    List<ContainerCapacity> containerCapacity(String region);
}
