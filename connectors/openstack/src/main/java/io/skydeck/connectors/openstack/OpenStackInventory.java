package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Image;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.ResourceType;
import org.openstack4j.model.compute.ext.AvailabilityZone;
import org.openstack4j.model.compute.ext.Hypervisor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Flavors and hypervisor capacity from Nova. Listing hypervisors and the zones of hosts needs
 * an admin role; a project member gets flavors only, and {@link #hosts} fails with the 403.
 */
final class OpenStackInventory implements Inventory {
    private final OpenStackSession session;

    OpenStackInventory(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public List<Flavor> flavors(String region) {
        session.requireRegion(region);
        return session.call(region, Target.of(ResourceType.FLAVOR, "*"),
                os -> os.compute().flavors().list().stream().map(FlavorToFlavor::convert).toList());
    }

    /**
     * Active images from Glance v2, up to Glance's largest page (api_limit_max, 1,000 by default);
     * an image without a name is known by its id.
     */
    @Override
    public List<Image> images(String region) {
        session.requireRegion(region);
        return session.call(region, Target.of(ResourceType.IMAGE, "*"), os -> os.imagesV2().list(Map.of("limit", "1000")).stream()
                .filter(image -> image.getStatus() == null || "active".equalsIgnoreCase(image.getStatus().name()))
                .map(image -> new Image(image.getId(), image.getName() == null ? image.getId() : image.getName()))
                .toList());
    }

    @Override
    public List<HostCapacity> hosts(String region) {
        session.requireRegion(region);
        return session.call(region, Target.of(ResourceType.HOST, "*"), os -> {
            Map<String, String> zoneOfHost = new HashMap<>();
            for (AvailabilityZone zone : os.compute().zones().list(true)) {
                if (zone.getHosts() != null) {
                    zone.getHosts().keySet().forEach(host -> zoneOfHost.put(host, zone.getZoneName()));
                }
            }
            return os.compute().hypervisors().list().stream()
                    .map(hypervisor -> HypervisorToHostCapacity.convert(hypervisor, region, zoneOf(hypervisor, zoneOfHost),
                            session.config().overcommit()))
                    .toList();
        });
    }

    /** Zones list compute services by service host, which is the hypervisor's host name up to its domain. */
    private static String zoneOf(Hypervisor hypervisor, Map<String, String> zoneOfHost) {
        String name = hypervisor.getHypervisorHostname();
        String serviceHost = hypervisor.getService() != null ? hypervisor.getService().getHost() : null;
        if (serviceHost != null && zoneOfHost.containsKey(serviceHost)) {
            return zoneOfHost.get(serviceHost);
        }
        if (name != null && zoneOfHost.containsKey(name)) {
            return zoneOfHost.get(name);
        }
        String shortName = name == null ? "" : name.split("\\.")[0];
        return zoneOfHost.getOrDefault(shortName, "nova");
    }

    @Override
    public List<ContainerCapacity> containerCapacity(String region) {
        return List.of();
    }
}
