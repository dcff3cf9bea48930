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
import org.openstack4j.model.network.IPVersionType;
import org.openstack4j.model.network.Network;
import org.openstack4j.model.network.Resource;
import org.openstack4j.model.network.Subnet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Neutron networks and subnets. Neutron answers creates and deletes synchronously, so a handle's
 * poll only confirms that the resource exists (create) or is gone (delete).
 */
final class OpenStackNetworks implements Networks {
    private final OpenStackSession session;

    OpenStackNetworks(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public OperationHandle createNetwork(NetworkSpec spec, IdempotencyToken token) {
        session.requireRegion(spec.region());
        Target what = Target.of(ResourceType.NETWORK, spec.name());
        String id = session.call(spec.region(), what, os -> {
            Optional<? extends Network> earlier = networksTagged(os, token).stream().findFirst();
            if (earlier.isPresent()) {
                return earlier.get().getId();
            }
            Network created = os.networking().network().create(Builders.network().name(spec.name()).adminStateUp(true).build());
            NeutronTagging.replace(os, Resource.NETWORK, created.getId(), NeutronTags.encode(spec.tags(), Optional.of(token)));
            return created.getId();
        });
        return session.handle(OperationKind.CREATE, ResourceType.NETWORK, id, spec.region(), Optional.of(token));
    }

    @Override
    public OperationHandle deleteNetwork(String networkId, IdempotencyToken token) {
        return delete(ResourceType.NETWORK, networkId, token);
    }

    @Override
    public OperationHandle createSubnet(SubnetSpec spec, IdempotencyToken token) {
        String region = session.regions().get(0);
        Target what = Target.of(ResourceType.NETWORK, spec.networkId());
        String id = session.call(region, what, os -> {
            Optional<Subnet> earlier = subnetTagged(os, token);
            if (earlier.isPresent()) {
                return earlier.get().getId();
            }
            if (os.networking().network().get(spec.networkId()) == null) {
                throw new ResourceNotFound(session.provider(), ResourceType.NETWORK, spec.networkId(),
                        "network " + spec.networkId() + " not found");
            }
            Subnet created = os.networking().subnet().create(Builders.subnet().name(spec.name()).networkId(spec.networkId())
                    .cidr(spec.cidr()).ipVersion(spec.cidr().contains(":") ? IPVersionType.V6 : IPVersionType.V4).build());
            NeutronTagging.replace(os, Resource.SUBNET, created.getId(), NeutronTags.encode(spec.tags(), Optional.of(token)));
            return created.getId();
        });
        return session.handle(OperationKind.CREATE, ResourceType.SUBNET, id, region, Optional.of(token));
    }

    @Override
    public OperationHandle deleteSubnet(String subnetId, IdempotencyToken token) {
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
                    subnets.add(NeutronConversions.subnetToProviderSubnet(subnet, region, NeutronTagging.read(os, Resource.SUBNET, subnetId)));
                }
            }
            return subnets;
        });
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
