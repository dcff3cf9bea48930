package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SubnetSpec;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.AttachInterfaceType;
import org.openstack4j.model.network.IP;
import org.openstack4j.model.network.IPVersionType;
import org.openstack4j.model.network.Ipv6AddressMode;
import org.openstack4j.model.network.Ipv6RaMode;
import org.openstack4j.model.network.Network;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.Resource;
import org.openstack4j.model.network.Router;
import org.openstack4j.model.network.Subnet;
import org.openstack4j.model.network.builder.RouterBuilder;
import org.openstack4j.model.network.options.PortListOptions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Neutron networks and subnets, each network a tenant VPC: a Neutron network plus a router
 * named {@code skydeck-router-<network id>} with every subnet as an interface and, when the
 * provider has an external network ({@link OpenStackConfig#floatingIpPool()}), its gateway
 * there — the router is what AWS gives a VPC implicitly. The router is found by that name (its
 * network is its identity; OpenStack4j lists routers without filters) and made or completed by
 * whichever call needs it, so a crash between two steps is mended by the repeat.
 *
 * <p>Deleting undoes it in order: a subnet leaves the router before it is deleted; a network
 * is refused while ports other than the router's and DHCP's are on it, then its router's
 * interfaces are removed, the router (with its gateway) deleted, and the network last.
 *
 * <p>Neutron answers creates and deletes synchronously, so a handle's poll only confirms that
 * the resource exists (create) or is gone (delete).
 */
final class OpenStackNetworks implements Networks {
    static final String ROUTER_PREFIX = "skydeck-router-";
    /** Tag on the router naming its network, for drift: "skydeck-network=<id>". */
    static final String NETWORK_TAG = "skydeck-network";
    private static final String INTERFACE = "network:router_interface";
    /** Names and tokens of a dual-stack subnet's IPv6 half end with this. */
    static final String IPV6_SUFFIX = "-v6";
    /** Ports Neutron or this connector put on a network for it; any other port is a user of the network. */
    private static final Set<String> OWN_PORTS = Set.of(INTERFACE, "network:router_interface_distributed",
            "network:ha_router_replicated_interface", "network:dhcp");

    private final OpenStackSession session;

    OpenStackNetworks(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public OperationHandle createNetwork(NetworkSpec spec, IdempotencyToken token) {
        session.requireRegion(spec.region());
        Target what = Target.of(ResourceType.NETWORK, spec.name());
        String id = session.call(spec.region(), what, os -> {
            String networkId = networksTagged(os, token).stream().findFirst().map(Network::getId).orElseGet(() -> {
                Network created = os.networking().network().create(Builders.network().name(spec.name()).adminStateUp(true).build());
                NeutronTagging.replace(os, Resource.NETWORK, created.getId(), NeutronTags.encode(spec.tags(), Optional.of(token)));
                return created.getId();
            });
            routerOf(os, networkId, spec.tags());
            return networkId;
        });
        return session.handle(OperationKind.CREATE, ResourceType.NETWORK, id, spec.region(), Optional.of(token));
    }

    @Override
    public OperationHandle deleteNetwork(String networkId, IdempotencyToken token) {
        String region = session.regions().get(0);
        session.call(region, Target.of(ResourceType.NETWORK, networkId), os -> {
            // A router interface of another network's router is a peering's port: a user, like a server's.
            Set<String> ownRouters = routersNamed(os, routerName(networkId)).stream().map(Router::getId).collect(java.util.stream.Collectors.toSet());
            List<String> users = os.networking().port().list(PortListOptions.create().networkId(networkId)).stream()
                    .filter(port -> !OWN_PORTS.contains(String.valueOf(port.getDeviceOwner()))
                            || !"network:dhcp".equals(port.getDeviceOwner()) && !ownRouters.contains(port.getDeviceId()))
                    .map(port -> port.getId() + " (" + (port.getDeviceOwner() == null || port.getDeviceOwner().isEmpty()
                            ? "no owner" : port.getDeviceOwner()) + ")")
                    .toList();
            if (!users.isEmpty()) {
                throw new RequestRejected(session.provider(), "network " + networkId + " is still used by port(s) " + String.join(", ", users),
                        "NetworkInUse", null);
            }
            // Every router of that name: two subnet creates racing to mend a missing router can both make one.
            routersNamed(os, routerName(networkId)).forEach(router -> {
                for (Port port : os.networking().port().list(PortListOptions.create().deviceId(router.getId()))) {
                    if (INTERFACE.equals(port.getDeviceOwner())) {
                        for (IP ip : port.getFixedIps()) {
                            detach(os, router.getId(), ip.getSubnetId());
                        }
                    }
                }
                session.requireSuccess(os.networking().router().delete(router.getId()), Target.of(ResourceType.NETWORK, router.getId()));
            });
            return null;
        });
        return delete(ResourceType.NETWORK, networkId, token);
    }

    @Override
    public OperationHandle createSubnet(SubnetSpec spec, IdempotencyToken token) {
        String region = session.regions().get(0);
        Target what = Target.of(ResourceType.NETWORK, spec.networkId());
        String id = session.call(region, what, os -> {
            String made = subnetFor(os, spec.networkId(), spec.name(), spec.cidr(), spec.tags(), token);
            // Dual-stack: the IPv6 half is a second Neutron subnet beside the first, found again by a token of its own.
            spec.ipv6Cidr().ifPresent(ipv6 -> subnetFor(os, spec.networkId(), spec.name() + IPV6_SUFFIX, ipv6, spec.tags(), ipv6Token(token)));
            return made;
        });
        return session.handle(OperationKind.CREATE, ResourceType.SUBNET, id, region, Optional.of(token));
    }

    /** The subnet this token made, made if missing, and an interface of the network's router either way. */
    private String subnetFor(OSClientV3 os, String networkId, String name, String cidr, Map<String, String> tags, IdempotencyToken token) {
        Optional<Subnet> earlier = subnetTagged(os, token);
        if (earlier.isPresent()) {
            attach(os, routerOf(os, earlier.get().getNetworkId(), Map.of()), earlier.get().getId());
            return earlier.get().getId();
        }
        if (os.networking().network().get(networkId) == null) {
            throw new ResourceNotFound(session.provider(), ResourceType.NETWORK, networkId, "network " + networkId + " not found");
        }
        var subnet = Builders.subnet().name(name).networkId(networkId).cidr(cidr)
                // OpenStack4j sends enable_dhcp=false unless told, overriding Neutron's default: servers would get no address.
                .enableDHCP(true);
        if (cidr.contains(":")) {
            // The subnet is the router's interface: the router advertises the prefix and hosts take addresses by SLAAC.
            subnet.ipVersion(IPVersionType.V6).ipv6AddressMode(Ipv6AddressMode.SLAAC).ipv6RaMode(Ipv6RaMode.SLAAC);
        } else {
            subnet.ipVersion(IPVersionType.V4);
        }
        Subnet created = os.networking().subnet().create(subnet.build());
        NeutronTagging.replace(os, Resource.SUBNET, created.getId(), NeutronTags.encode(tags, Optional.of(token)));
        attach(os, routerOf(os, networkId, Map.of()), created.getId());
        return created.getId();
    }

    /** The token of a dual-stack subnet's IPv6 half: its IPv4 half's token and a suffix (within the 63 characters a token may have). */
    static IdempotencyToken ipv6Token(IdempotencyToken token) {
        return IdempotencyToken.of(token.value() + IPV6_SUFFIX);
    }

    /** Deletes the subnet, and first its IPv6 half when it is the IPv4 half of a dual-stack subnet. */
    @Override
    public OperationHandle deleteSubnet(String subnetId, IdempotencyToken token) {
        String region = session.regions().get(0);
        session.call(region, Target.of(ResourceType.SUBNET, subnetId), os -> {
            Subnet subnet = os.networking().subnet().get(subnetId);
            if (subnet != null) {
                Optional<Router> router = routerNamed(os, routerName(subnet.getNetworkId()));
                Optional<Subnet> ipv6Half = NeutronTags.tokenOf(NeutronTagging.read(os, Resource.SUBNET, subnetId))
                        .filter(made -> !made.value().endsWith(IPV6_SUFFIX))
                        .flatMap(made -> subnetTagged(os, ipv6Token(made)));
                if (ipv6Half.isPresent()) {
                    router.ifPresent(r -> detach(os, r.getId(), ipv6Half.get().getId()));
                    var response = os.networking().subnet().delete(ipv6Half.get().getId());
                    if (!response.isSuccess() && response.getCode() != 404) {
                        if (response.getCode() == 409) {
                            throw new RequestRejected(session.provider(), response.getFault(), "409", null);
                        }
                        session.requireSuccess(response, Target.of(ResourceType.SUBNET, ipv6Half.get().getId()));
                    }
                }
                router.ifPresent(r -> detach(os, r.getId(), subnetId));
            }
            return null;
        });
        return delete(ResourceType.SUBNET, subnetId, token);
    }

    private OperationHandle delete(ResourceType type, String id, IdempotencyToken token) {
        String region = session.regions().get(0);
        Target what = Target.of(type, id);
        session.call(region, what, os -> {
            var response = type == ResourceType.NETWORK ? os.networking().network().delete(id) : os.networking().subnet().delete(id);
            if (!response.isSuccess() && response.getCode() == 409) {
                // Neutron's NetworkInUse / SubnetInUse: the SPI's "still has subnets or ports".
                throw new RequestRejected(session.provider(), response.getFault(), "409", null);
            }
            session.requireSuccess(response, what);
            return null;
        });
        return session.handle(OperationKind.DELETE, type, id, region, Optional.of(token));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        session.detailOf(handle);
        ResourceRef resource = handle.resource();
        boolean exists = resource.type() == ResourceType.NETWORK
                ? getNetwork(resource.id()).isPresent() : getSubnet(resource.id()).isPresent();
        var now = session.clock().instant();
        return switch (handle.kind()) {
            case CREATE -> exists ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.Failed(handle, now,
                    new ResourceNotFound(session.provider(), resource.type(), resource.id(), "created " + resource.type() + " is gone"));
            case DELETE -> exists ? new OperationStatus.InProgress(handle, "deleting") : new OperationStatus.Succeeded(handle, now);
            default -> throw new RequestRejected(session.provider(), "networks do not " + handle.kind());
        };
    }

    @Override
    public Optional<ProviderNetwork> getNetwork(String networkId) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.NETWORK, networkId), os -> {
            Network network = os.networking().network().get(networkId);
            return Optional.ofNullable(network).map(found -> NeutronConversions.networkToProviderNetwork(found, region,
                    NeutronTagging.read(os, Resource.NETWORK, networkId)));
        });
    }

    @Override
    public Optional<ProviderSubnet> getSubnet(String subnetId) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.SUBNET, subnetId), os -> {
            Subnet subnet = os.networking().subnet().get(subnetId);
            return Optional.ofNullable(subnet).map(found -> NeutronConversions.subnetToProviderSubnet(found, region,
                    NeutronTagging.read(os, Resource.SUBNET, subnetId)));
        });
    }

    @Override
    public Optional<ResourceRef> findByToken(IdempotencyToken token) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.NETWORK, token.value()), os -> {
            Optional<? extends Network> network = networksTagged(os, token).stream().findFirst();
            if (network.isPresent()) {
                return Optional.of(new ResourceRef(ResourceType.NETWORK, network.get().getId(), region));
            }
            return subnetTagged(os, token).map(subnet -> new ResourceRef(ResourceType.SUBNET, subnet.getId(), region));
        });
    }

    /** Dual-stack subnets: the IPv4 one and an IPv6 one beside it, a /64 by SLAAC through the network's router. */
    @Override
    public boolean realisesIpv6() {
        return true;
    }

    @Override
    public List<ProviderNetwork> listNetworks() {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.NETWORK, "*"), os -> {
            List<ProviderNetwork> networks = new ArrayList<>();
            for (Network network : os.networking().network().list()) {
                networks.add(NeutronConversions.networkToProviderNetwork(network, region,
                        NeutronTagging.read(os, Resource.NETWORK, network.getId())));
            }
            return networks;
        });
    }

    @Override
    public List<ProviderSubnet> listSubnets(String networkId) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.NETWORK, networkId), os -> {
            Network network = os.networking().network().get(networkId);
            if (network == null) {
                throw new ResourceNotFound(session.provider(), ResourceType.NETWORK, networkId, "network " + networkId + " not found");
            }
            List<ProviderSubnet> subnets = new ArrayList<>();
            for (String subnetId : network.getSubnets() == null ? List.<String>of() : network.getSubnets()) {
                Subnet subnet = os.networking().subnet().get(subnetId);
                if (subnet != null) {
                    List<String> tags = NeutronTagging.read(os, Resource.SUBNET, subnetId);
                    // A dual-stack subnet's IPv6 half is part of its IPv4 half, not a subnet of its own.
                    if (NeutronTags.tokenOf(tags).filter(made -> made.value().endsWith(IPV6_SUFFIX)).isEmpty()) {
                        subnets.add(NeutronConversions.subnetToProviderSubnet(subnet, region, tags));
                    }
                }
            }
            return subnets;
        });
    }

    // ---- the network's router ----------------------------------------------------------------

    static String routerName(String networkId) {
        return ROUTER_PREFIX + networkId;
    }

    /** The network's router, created (with the external gateway, when configured) if missing. */
    private Router routerOf(OSClientV3 os, String networkId, Map<String, String> tags) {
        Optional<Router> existing = routerNamed(os, routerName(networkId));
        if (existing.isPresent()) {
            return existing.get();
        }
        RouterBuilder router = Builders.router().name(routerName(networkId)).adminStateUp(true);
        session.config().floatingIpPool().ifPresent(pool -> router.externalGateway(ExternalNetworks.idOf(os, session.provider(), pool)));
        Router created = os.networking().router().create(router.build());
        Map<String, String> routerTags = new HashMap<>(tags);
        routerTags.put(NETWORK_TAG, networkId);
        NeutronTagging.replace(os, Resource.ROUTER, created.getId(), NeutronTags.encode(routerTags, Optional.empty()));
        return created;
    }

    private static Optional<Router> routerNamed(OSClientV3 os, String name) {
        return routersNamed(os, name).stream().findFirst();
    }

    private static List<Router> routersNamed(OSClientV3 os, String name) {
        return os.networking().router().list().stream().filter(router -> name.equals(router.getName()))
                .map(Router.class::cast).toList();
    }

    /** Makes the subnet an interface of the router unless it is one already. */
    private static void attach(OSClientV3 os, Router router, String subnetId) {
        if (interfaceOn(os, router.getId(), subnetId).isEmpty()) {
            os.networking().router().attachInterface(router.getId(), AttachInterfaceType.SUBNET, subnetId);
        }
    }

    private static void detach(OSClientV3 os, String routerId, String subnetId) {
        if (interfaceOn(os, routerId, subnetId).isPresent()) {
            os.networking().router().detachInterface(routerId, subnetId, null);
        }
    }

    private static Optional<Port> interfaceOn(OSClientV3 os, String routerId, String subnetId) {
        return os.networking().port().list(PortListOptions.create().deviceId(routerId)).stream()
                .filter(port -> INTERFACE.equals(port.getDeviceOwner()))
                .filter(port -> port.getFixedIps() != null && port.getFixedIps().stream().anyMatch(ip -> subnetId.equals(ip.getSubnetId())))
                .map(Port.class::cast).findFirst();
    }

    private static List<? extends Network> networksTagged(OSClientV3 os, IdempotencyToken token) {
        return os.networking().network().list(Map.of("tags", NeutronTags.tokenTag(token)));
    }

    /** OpenStack4j's subnet list takes no filter, so each subnet's tags are read; projects have few subnets. */
    private static Optional<Subnet> subnetTagged(OSClientV3 os, IdempotencyToken token) {
        for (Subnet subnet : os.networking().subnet().list()) {
            if (NeutronTags.tokenOf(NeutronTagging.read(os, Resource.SUBNET, subnet.getId())).equals(Optional.of(token))) {
                return Optional.of(subnet);
            }
        }
        return Optional.empty();
    }
}
