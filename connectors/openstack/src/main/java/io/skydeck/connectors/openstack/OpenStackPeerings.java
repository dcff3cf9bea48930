package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.AttachInterfaceType;
import org.openstack4j.model.network.HostRoute;
import org.openstack4j.model.network.IP;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.Resource;
import org.openstack4j.model.network.Router;
import org.openstack4j.model.network.Subnet;
import org.openstack4j.model.network.builder.RouterBuilder;
import org.openstack4j.model.network.options.PortListOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Two networks of one project peered through their routers. Each Skydeck network has its own
 * router ({@link OpenStackNetworks}); peering network a with network b gives a's router an
 * interface on each of b's IPv4 subnets, through a new port on that subnet (router interface by
 * port, since b's router already holds the subnet's gateway address), and gives b's router a
 * static route to a's range through that port's address. So a's servers reach b through their
 * own router, and b's servers' replies go to their router, which sends them on to a's.
 *
 * <p>A peering has no object of its own in Neutron: its id is "network-a~network-b", and it is
 * the ports, named {@code skydeck-peering-<token>} and tagged with the token, on b's subnets whose
 * device is a's router. A repeated create adds only what is missing. Neutron answers
 * synchronously, so a poll only confirms that the ports are there (create) or gone (delete).
 * The connector serves one region, so there is no peering across regions.
 */
final class OpenStackPeerings implements NetworkPeerings {
    static final String PORT_PREFIX = "skydeck-peering-";
    private static final String SEPARATOR = "~";

    private final OpenStackSession session;

    OpenStackPeerings(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public boolean acrossRegions() {
        return false;
    }

    @Override
    public OperationHandle createPeering(PeeringSpec spec, IdempotencyToken token) {
        String region = spec.local().region();
        session.requireRegion(region);
        if (!spec.peer().region().equals(region)) {
            throw new RequestRejected(session.provider(), "OpenStack networks in two regions cannot be peered: "
                    + region + " and " + spec.peer().region(), "CrossRegionPeering", null);
        }
        String a = spec.local().networkId();
        String b = spec.peer().networkId();
        String id = a + SEPARATOR + b;
        session.call(region, Target.of(ResourceType.NETWORK, b), os -> {
            Router routerA = router(os, a);
            Router routerB = router(os, b);
            List<Port> ports = new ArrayList<>(peeringPorts(os, routerA.getId(), b));
            for (Subnet subnet : subnetsOf(os, b)) {
                boolean attached = ports.stream().anyMatch(port -> onSubnet(port, subnet.getId()));
                if (attached) {
                    continue;
                }
                Port port = os.networking().port().create(Builders.port().name(PORT_PREFIX + token.value()).networkId(b)
                        .fixedIp(null, subnet.getId()).build());
                NeutronTagging.replace(os, Resource.PORT, port.getId(), NeutronTags.encode(spec.tags(), Optional.of(token)));
                os.networking().router().attachInterface(routerA.getId(), AttachInterfaceType.PORT, port.getId());
                ports.add(port);
            }
            if (ports.isEmpty()) {
                throw new RequestRejected(session.provider(), "network " + b + " has no IPv4 subnet to peer through", "NoSubnet", null);
            }
            String nexthop = ports.get(0).getFixedIps().iterator().next().getIpAddress();
            addRoute(os, routerB, spec.local().cidr(), nexthop);
            return null;
        });
        return session.handle(OperationKind.CREATE, ResourceType.NETWORK_PEERING, id, region, Optional.of(token));
    }

    @Override
    public OperationHandle deletePeering(String peeringId, IdempotencyToken token) {
        String region = session.regions().get(0);
        String[] ends = ends(peeringId);
        session.call(region, Target.of(ResourceType.NETWORK_PEERING, peeringId), os -> {
            Router routerA = routerNamed(os, ends[0]).orElseThrow(() -> notFound(peeringId));
            List<Port> ports = peeringPorts(os, routerA.getId(), ends[1]);
            if (ports.isEmpty()) {
                throw notFound(peeringId);
            }
            List<String> addresses = ports.stream().flatMap(port -> port.getFixedIps().stream()).map(IP::getIpAddress).toList();
            routerNamed(os, ends[1]).ifPresent(routerB -> removeRoutesVia(os, routerB, addresses));
            for (Port port : ports) {
                os.networking().router().detachInterface(routerA.getId(), null, port.getId());
                // Neutron deletes a port it removed from a router by port id; one left behind is deleted here.
                if (os.networking().port().get(port.getId()) != null) {
                    os.networking().port().delete(port.getId());
                }
            }
            return null;
        });
        return session.handle(OperationKind.DELETE, ResourceType.NETWORK_PEERING, peeringId, region, Optional.of(token));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        session.detailOf(handle);
        boolean exists = getPeering(handle.resource().id()).isPresent();
        var now = session.clock().instant();
        return switch (handle.kind()) {
            case CREATE -> exists ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.Failed(handle, now,
                    new ResourceNotFound(session.provider(), ResourceType.NETWORK_PEERING, handle.resource().id(), "created peering is gone"));
            case DELETE -> exists ? new OperationStatus.InProgress(handle, "deleting") : new OperationStatus.Succeeded(handle, now);
            default -> throw new RequestRejected(session.provider(), "peerings do not " + handle.kind());
        };
    }

    @Override
    public Optional<ProviderPeering> getPeering(String peeringId) {
        String region = session.regions().get(0);
        String[] ends = ends(peeringId);
        return session.call(region, Target.of(ResourceType.NETWORK_PEERING, peeringId), os -> routerNamed(os, ends[0])
                .flatMap(routerA -> peeringPorts(os, routerA.getId(), ends[1]).stream().findFirst())
                .map(port -> convert(os, region, ends[0], port)));
    }

    @Override
    public Optional<ProviderPeering> findPeeringByToken(IdempotencyToken token) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.NETWORK_PEERING, token.value()), os -> {
            for (Port port : os.networking().port().list(PortListOptions.create().name(PORT_PREFIX + token.value()))) {
                Router routerA = os.networking().router().get(port.getDeviceId());
                if (routerA != null && routerA.getName() != null && routerA.getName().startsWith(OpenStackNetworks.ROUTER_PREFIX)) {
                    return Optional.of(convert(os, region, routerA.getName().substring(OpenStackNetworks.ROUTER_PREFIX.length()), port));
                }
            }
            return Optional.empty();
        });
    }

    private static ProviderPeering convert(OSClientV3 os, String region, String networkA, Port port) {
        List<String> tags = NeutronTagging.read(os, Resource.PORT, port.getId());
        return new ProviderPeering(networkA + SEPARATOR + port.getNetworkId(), region, networkA, region, port.getNetworkId(),
                NeutronTags.tokenOf(tags), NeutronTags.keyValuesOf(tags));
    }

    /** The ports on network b whose device is a's router and which a peering made (not b's own interfaces). */
    private static List<Port> peeringPorts(OSClientV3 os, String routerA, String networkB) {
        return os.networking().port().list(PortListOptions.create().deviceId(routerA).networkId(networkB)).stream()
                .filter(port -> port.getName() != null && port.getName().startsWith(PORT_PREFIX))
                .map(Port.class::cast).toList();
    }

    private static boolean onSubnet(Port port, String subnetId) {
        return port.getFixedIps() != null && port.getFixedIps().stream().anyMatch(ip -> subnetId.equals(ip.getSubnetId()));
    }

    private static List<Subnet> subnetsOf(OSClientV3 os, String networkId) {
        var network = os.networking().network().get(networkId);
        List<Subnet> subnets = new ArrayList<>();
        for (String subnetId : network.getSubnets() == null ? List.<String>of() : network.getSubnets()) {
            Subnet subnet = os.networking().subnet().get(subnetId);
            if (subnet != null && subnet.getCidr() != null && !subnet.getCidr().contains(":")) {
                subnets.add(subnet);
            }
        }
        return subnets;
    }

    /** Adds a static route to the router unless it has it. */
    private static void addRoute(OSClientV3 os, Router router, String destination, String nexthop) {
        List<HostRoute> routes = new ArrayList<>(router.getRoutes() == null ? List.of() : router.getRoutes());
        if (routes.stream().anyMatch(r -> destination.equals(r.getDestination()) && nexthop.equals(r.getNexthop()))) {
            return;
        }
        List<String[]> wanted = new ArrayList<>(routes.stream().map(r -> new String[] {r.getDestination(), r.getNexthop()}).toList());
        wanted.add(new String[] {destination, nexthop});
        updateRoutes(os, router, wanted);
    }

    private static void removeRoutesVia(OSClientV3 os, Router router, List<String> nexthops) {
        List<? extends HostRoute> routes = router.getRoutes() == null ? List.of() : router.getRoutes();
        if (routes.stream().noneMatch(r -> nexthops.contains(r.getNexthop()))) {
            return;
        }
        updateRoutes(os, router, routes.stream().filter(r -> !nexthops.contains(r.getNexthop()))
                .map(r -> new String[] {r.getDestination(), r.getNexthop()}).toList());
    }

    /**
     * Replaces the router's static routes (Neutron takes the whole list). OpenStack4j's update
     * sends the router's name, admin state and gateway too: the gateway goes as its network alone,
     * since echoing enable_snat back is an admin-only change under Neutron's default policy.
     */
    private static void updateRoutes(OSClientV3 os, Router router, List<String[]> routes) {
        RouterBuilder update = Builders.router().id(router.getId()).name(router.getName()).adminStateUp(router.isAdminStateUp());
        if (router.getExternalGatewayInfo() != null && router.getExternalGatewayInfo().getNetworkId() != null) {
            update.externalGateway(router.getExternalGatewayInfo().getNetworkId());
        }
        routes.forEach(route -> update.route(route[0], route[1]));
        os.networking().router().update(update.build());
    }

    private Router router(OSClientV3 os, String networkId) {
        return routerNamed(os, networkId).orElseThrow(() -> new ResourceNotFound(session.provider(), ResourceType.NETWORK, networkId,
                "network " + networkId + " has no router " + OpenStackNetworks.routerName(networkId)));
    }

    private static Optional<Router> routerNamed(OSClientV3 os, String networkId) {
        String name = OpenStackNetworks.routerName(networkId);
        return os.networking().router().list().stream().filter(router -> name.equals(router.getName())).map(Router.class::cast).findFirst();
    }

    private String[] ends(String peeringId) {
        String[] ends = peeringId.split(SEPARATOR, 2);
        if (ends.length != 2 || ends[0].isEmpty() || ends[1].isEmpty()) {
            throw notFound(peeringId);
        }
        return ends;
    }

    private ResourceNotFound notFound(String peeringId) {
        return new ResourceNotFound(session.provider(), ResourceType.NETWORK_PEERING, peeringId, "peering " + peeringId + " not found");
    }
}
