package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderVpnConnection;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.VpnSpec;

import java.util.Optional;

/**
 * One side of VPNs from sandbox networks. A network's endpoint address is fixed before any
 * connection, as Neutron's VPN service has its router's address: one of TEST-NET-2
 * (198.51.100.0/24, RFC 5737) derived from the network's id, so the same network always has the
 * same address. The pre-shared key is checked (IPsec wants at least 8 characters) and not kept:
 * the sandbox's state is a file anyone may read, and the key is Skydeck's to hold.
 */
final class SandboxVpns implements VpnConnections, SandboxCloud.Settler {
    private static final String BLOCK = "198.51.100.";

    private final SandboxCloud cloud;

    SandboxVpns(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public boolean endpointKnownFirst() {
        return true;
    }

    @Override
    public Optional<String> endpointAddress(String region, String networkId) {
        return cloud.read(SandboxCall.READ_VPN_CONNECTIONS, () -> Optional.of(addressOf(network(region, networkId).id())));
    }

    @Override
    public OperationHandle createVpnConnection(VpnSpec spec, IdempotencyToken token) {
        // The fingerprint that tells a repeat from a reused token must not hold the key either.
        var request = new Fingerprint(spec.region(), spec.networkId(), spec.localCidr(), spec.peerAddress(), spec.peerCidr(), spec.tags());
        return cloud.mutate(SandboxCall.CREATE_VPN_CONNECTION, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_VPN_CONNECTION, request);
            if (replay.isPresent()) {
                return replay.get();
            }
            var network = network(spec.region(), spec.networkId());
            if (spec.preSharedKey().length() < 8) {
                throw new RequestRejected(cloud.name(), "The pre-shared key must have at least 8 characters.", "InvalidParameterValue", null);
            }
            var state = cloud.state();
            var connection = new ProviderVpnConnection(state.newId("vpn"), spec.region(), network.id(), Optional.of(addressOf(network.id())),
                    spec.peerAddress(), spec.peerCidr(), Optional.of(token), spec.tags());
            state.vpnConnections.put(connection.id(), connection);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, ref(connection), Optional.of(token),
                    cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_VPN_CONNECTION, request, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle deleteVpnConnection(String connectionId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_VPN_CONNECTION, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_VPN_CONNECTION, connectionId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var connection = Optional.ofNullable(cloud.state().vpnConnections.get(connectionId))
                    .orElseThrow(() -> cloud.notFound(ResourceType.VPN_CONNECTION, connectionId));
            var pending = cloud.pendingOn(connectionId);
            if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
                return pending.get().handle(cloud.name());
            }
            pending.ifPresent(op -> cloud.supersede(op, acceptance.now(), connectionId + " was deleted"));
            var handle = cloud.accept(acceptance, OperationKind.DELETE, ref(connection), Optional.of(token),
                    cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.DELETE_VPN_CONNECTION, connectionId, handle);
            return handle;
        });
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_VPN_CONNECTIONS);
    }

    @Override
    public Optional<ProviderVpnConnection> getVpnConnection(String connectionId) {
        return cloud.read(SandboxCall.READ_VPN_CONNECTIONS, () -> Optional.ofNullable(cloud.state().vpnConnections.get(connectionId)));
    }

    @Override
    public Optional<ProviderVpnConnection> findVpnConnectionByToken(IdempotencyToken token) {
        return cloud.read(SandboxCall.READ_VPN_CONNECTIONS, () -> cloud.state().vpnConnections.values().stream()
                .filter(c -> c.token().equals(Optional.of(token))).findFirst());
    }

    @Override
    public void finish(SandboxOperation operation) {
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        if (operation.kind() == OperationKind.DELETE ? ok : !ok) {
            cloud.state().vpnConnections.remove(operation.resource().id());
        }
    }

    private io.skydeck.connectors.spi.ProviderNetwork network(String region, String networkId) {
        var network = cloud.state().networks.get(networkId);
        if (network == null || !network.region().equals(region)) {
            throw cloud.notFound(ResourceType.NETWORK, networkId);
        }
        return network;
    }

    /** 198.51.100.1–254 from the network id's hash: stable for one network, the same on every replica. */
    static String addressOf(String networkId) {
        return BLOCK + (1 + Math.floorMod(networkId.hashCode(), 254));
    }

    private static ResourceRef ref(ProviderVpnConnection connection) {
        return new ResourceRef(ResourceType.VPN_CONNECTION, connection.id(), connection.region());
    }

    /** A create's request without its key. */
    record Fingerprint(String region, String networkId, String localCidr, String peerAddress, String peerCidr,
                       java.util.Map<String, String> tags) {
    }
}
