package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.ResourceType;

import java.util.ArrayList;
import java.util.List;

/** The topology's hosts and pools with what is left on them now. */
final class SandboxInventory implements Inventory {
    private final SandboxCloud cloud;

    SandboxInventory(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    /** The sandbox names its images by their ids. */
    @Override
    public List<io.skydeck.connectors.spi.Image> images(String region) {
        return cloud.read(SandboxCall.READ_INVENTORY, () -> {
            requireRegion(region);
            return cloud.topology().images().stream().map(id -> new io.skydeck.connectors.spi.Image(id, id)).toList();
        });
    }

    @Override
    public List<Flavor> flavors(String region) {
        return cloud.read(SandboxCall.READ_INVENTORY, () -> {
            requireRegion(region);
            return cloud.topology().flavors().stream()
                    .map(flavor -> new Flavor(flavor.id(), flavor.id(), flavor.resources(), flavor.diskGiB()))
                    .toList();
        });
    }

    @Override
    public List<HostCapacity> hosts(String region) {
        return cloud.read(SandboxCall.READ_INVENTORY, () -> {
            var capacity = new SandboxCapacity(cloud.topology(), cloud.state());
            var hosts = new ArrayList<HostCapacity>();
            for (var zone : requireRegion(region).zones()) {
                for (var host : zone.hosts()) {
                    hosts.add(new HostCapacity(host.id(), region, zone.id(), host.capacity(), capacity.hostFree(host)));
                }
            }
            return List.copyOf(hosts);
        });
    }

    @Override
    public List<ContainerCapacity> containerCapacity(String region) {
        return cloud.read(SandboxCall.READ_INVENTORY, () -> {
            var capacity = new SandboxCapacity(cloud.topology(), cloud.state());
            return requireRegion(region).zones().stream()
                    .map(zone -> new ContainerCapacity(zone.id() + "-pool", region, zone.id(), zone.containerPool(),
                            capacity.poolFree(zone)))
                    .toList();
        });
    }

    private SandboxTopology.RegionSpec requireRegion(String region) {
        return cloud.topology().region(region).orElseThrow(() -> cloud.notFound(ResourceType.REGION, region));
    }
}
