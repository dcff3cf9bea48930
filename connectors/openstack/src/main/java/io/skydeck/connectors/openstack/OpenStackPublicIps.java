package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.NetFloatingIP;
import org.openstack4j.model.network.Port;
import org.openstack4j.model.network.Resource;
import org.openstack4j.model.network.options.PortListOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Neutron floating IPs. A floating IP points at a port, not a server, so associating looks up
 * the server's first port; a server booted without a NIC cannot have one.
 */
final class OpenStackPublicIps implements PublicIps {
    private final OpenStackSession session;

    OpenStackPublicIps(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public OperationHandle allocate(PublicIpSpec spec, IdempotencyToken token) {
        session.requireRegion(spec.region());
        String pool = spec.pool().or(() -> session.config().floatingIpPool()).orElseThrow(() -> new RequestRejected(
                session.provider(), "no floating IP pool named in the request and none configured", "no-pool", null));
        String id = session.call(spec.region(), Target.of(ResourceType.NETWORK, pool), os -> {
            Optional<? extends NetFloatingIP> earlier = tagged(os, token).stream().findFirst();
            if (earlier.isPresent()) {
                return earlier.get().getId();
            }
            NetFloatingIP created = os.networking().floatingip().create(
                    Builders.netFloatingIP().floatingNetworkId(ExternalNetworks.idOf(os, session.provider(), pool)).build());
            NeutronTagging.replace(os, Resource.FLOATING_IP, created.getId(), NeutronTags.encode(spec.tags(), Optional.of(token)));
            return created.getId();
        });
        return session.handle(OperationKind.CREATE, ResourceType.PUBLIC_IP, id, spec.region(), Optional.of(token));
    }

    @Override
    public OperationHandle release(String publicIpId, IdempotencyToken token) {
        String region = session.regions().get(0);
        Target what = Target.of(ResourceType.PUBLIC_IP, publicIpId);
        session.call(region, what, os -> {
            session.requireSuccess(os.networking().floatingip().delete(publicIpId), what);
            return null;
        });
        return session.handle(OperationKind.DELETE, ResourceType.PUBLIC_IP, publicIpId, region, Optional.of(token));
    }

    @Override
    public OperationHandle associate(String publicIpId, String serverId) {
        String region = session.regions().get(0);
        session.call(region, Target.of(ResourceType.SERVER, serverId), os -> {
            List<? extends Port> ports = os.networking().port().list(PortListOptions.create().deviceId(serverId));
            if (ports.isEmpty()) {
                throw new RequestRejected(session.provider(), "server " + serverId + " has no port to point a floating IP at", "no-port", null);
            }
            NetFloatingIP ip = os.networking().floatingip().get(publicIpId);
            if (ip == null) {
                throw new ResourceNotFound(session.provider(), ResourceType.PUBLIC_IP, publicIpId, "floating IP " + publicIpId + " not found");
            }
            String portId = ports.get(0).getId();
            if (!portId.equals(ip.getPortId())) {
                os.networking().floatingip().associateToPort(publicIpId, portId);
            }
            return null;
        });
        return session.handle(OperationKind.UPDATE, ResourceType.PUBLIC_IP, publicIpId, region, Optional.empty(), serverId);
    }

    @Override
    public OperationHandle disassociate(String publicIpId) {
        String region = session.regions().get(0);
        session.call(region, Target.of(ResourceType.PUBLIC_IP, publicIpId), os -> os.networking().floatingip().disassociateFromPort(publicIpId));
        return session.handle(OperationKind.UPDATE, ResourceType.PUBLIC_IP, publicIpId, region, Optional.empty());
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        String serverId = session.detailOf(handle);
        Optional<ProviderPublicIp> ip = get(handle.resource().id());
        var now = session.clock().instant();
        boolean done = switch (handle.kind()) {
            case CREATE -> ip.isPresent();
            case DELETE -> ip.isEmpty();
            case UPDATE -> ip.isPresent() && ip.get().serverId().equals(serverId.isEmpty() ? Optional.empty() : Optional.of(serverId));
            default -> throw new RequestRejected(session.provider(), "floating IPs do not " + handle.kind());
        };
        if (done) {
            return new OperationStatus.Succeeded(handle, now);
        }
        if (ip.isEmpty()) {
            return new OperationStatus.Failed(handle, now, new ResourceNotFound(session.provider(), ResourceType.PUBLIC_IP,
                    handle.resource().id(), "floating IP " + handle.resource().id() + " is gone"));
        }
        return new OperationStatus.InProgress(handle, "pending");
    }

    @Override
    public Optional<ProviderPublicIp> get(String publicIpId) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.PUBLIC_IP, publicIpId), os ->
                Optional.ofNullable(os.networking().floatingip().get(publicIpId)).map(ip -> convert(os, ip, region)));
    }

    @Override
    public Optional<ProviderPublicIp> findByToken(IdempotencyToken token) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.PUBLIC_IP, token.value()), os ->
                tagged(os, token).stream().findFirst().map(ip -> convert(os, ip, region)));
    }

    @Override
    public List<ProviderPublicIp> list() {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.PUBLIC_IP, "*"), os -> {
            List<ProviderPublicIp> all = new ArrayList<>();
            for (NetFloatingIP ip : os.networking().floatingip().list()) {
                all.add(convert(os, ip, region));
            }
            return all;
        });
    }

    /** The server behind the floating IP is the device of the port it points at. */
    private static ProviderPublicIp convert(OSClientV3 os, NetFloatingIP ip, String region) {
        Optional<String> serverId = Optional.ofNullable(ip.getPortId())
                .map(portId -> os.networking().port().get(portId))
                .map(Port::getDeviceId)
                .filter(Objects::nonNull);
        return NeutronConversions.floatingIpToProviderPublicIp(ip, region, serverId);
    }

    private static List<? extends NetFloatingIP> tagged(OSClientV3 os, IdempotencyToken token) {
        return os.networking().floatingip().list(Map.of("tags", NeutronTags.tokenTag(token)));
    }
}
