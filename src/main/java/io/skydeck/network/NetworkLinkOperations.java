package io.skydeck.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderVpnConnection;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.VpnSpec;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationHandler;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What making and removing a link's provider side does at each step.
 *
 * <p>A peering is one call on the provider that holds both networks. A VPN is one connection on
 * each side, in two CREATE_NETWORK_LINK operations (each polls its own provider): the first side
 * is given the other side's endpoint address as its peer — the other provider knows it before any
 * connection exists — and its success records its own address (which the second side names as
 * its peer) and starts the second. DELETE_NETWORK_LINK removes the side that is not polled first,
 * waiting for it outside any transaction, then the polled side.
 */
@ApplicationScoped
public class NetworkLinkOperations implements OperationHandler {

    private static final Set<OperationKind> KINDS = Set.of(OperationKind.CREATE_NETWORK_LINK, OperationKind.DELETE_NETWORK_LINK);

    /** How long one submit of a VPN's delete waits for its first side to go before it counts as an attempt. */
    private static final Duration SIDE_GONE_WITHIN = Duration.ofSeconds(60);

    @Inject
    NetworkLinkRepository links;

    @Inject
    NetworkRepository networks;

    @Inject
    ProviderRegistry providers;

    @Inject
    OperationService operations;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper json;

    @Override
    public boolean handles(OperationKind kind) {
        return KINDS.contains(kind);
    }

    static IdempotencyToken createToken(UUID linkId, NetworkLink.Side side) {
        return IdempotencyToken.of("skydeck-lnk-" + linkId + "-" + side.name().toLowerCase());
    }

    static IdempotencyToken deleteToken(UUID linkId, NetworkLink.Side side) {
        return IdempotencyToken.of("skydeck-lnkdel-" + linkId + "-" + side.name().toLowerCase());
    }

    private static NetworkLink.Side other(NetworkLink.Side side) {
        return side == NetworkLink.Side.A ? NetworkLink.Side.B : NetworkLink.Side.A;
    }

    private NetworkLink.Side side(Operation op) {
        return NetworkLink.Side.valueOf(OperationParams.read(json, op).getOrDefault("side", "A"));
    }

    @Override
    public Optional<OperationHandle> submit(Operation op) {
        NetworkLink link = QuarkusTransaction.requiringNew().call(() -> links.findById(op.targetId()));
        Network a = QuarkusTransaction.requiringNew().call(() -> networks.findById(link.networkA()));
        Network b = QuarkusTransaction.requiringNew().call(() -> networks.findById(link.networkB()));
        return switch (op.kind()) {
            case CREATE_NETWORK_LINK -> Optional.of(link.kind() == NetworkLink.Kind.PEERING ? createPeering(link, a, b)
                    : createVpnSide(link, side(op), a, b));
            case DELETE_NETWORK_LINK -> delete(link, side(op), a, b);
            default -> throw new IllegalArgumentException(op.kind() + " is not a network link operation");
        };
    }

    private OperationHandle createPeering(NetworkLink link, Network a, Network b) {
        return peerings(a).createPeering(new PeeringSpec(side(a), side(b), tags(link)), createToken(link.id(), NetworkLink.Side.A));
    }

    private OperationHandle createVpnSide(NetworkLink link, NetworkLink.Side side, Network a, Network b) {
        Network mine = side == NetworkLink.Side.A ? a : b;
        Network theirs = side == NetworkLink.Side.A ? b : a;
        String peerAddress = Optional.ofNullable(link.endpoint(other(side)))
                .or(() -> vpns(theirs).endpointAddress(theirs.region(), theirs.providerNetworkId()))
                .orElseThrow(() -> new RequestRejected(theirs.provider(), "no VPN endpoint address for network "
                        + theirs.providerNetworkId() + " before its connection exists"));
        return vpns(mine).createVpnConnection(new VpnSpec(mine.region(), mine.providerNetworkId(), mine.cidr(), peerAddress, theirs.cidr(),
                link.preSharedKey(), tags(link)), createToken(link.id(), side));
    }

    private Optional<OperationHandle> delete(NetworkLink link, NetworkLink.Side last, Network a, Network b) {
        if (link.kind() == NetworkLink.Kind.PEERING) {
            try {
                return Optional.of(peerings(a).deletePeering(link.providerLinkA(), deleteToken(link.id(), NetworkLink.Side.A)));
            } catch (ResourceNotFound gone) {
                return Optional.empty();
            }
        }
        NetworkLink.Side first = other(last);
        Network firstNetwork = first == NetworkLink.Side.A ? a : b;
        Network lastNetwork = last == NetworkLink.Side.A ? a : b;
        if (link.providerLink(first) != null) {
            VpnConnections vpns = vpns(firstNetwork);
            try {
                ProviderWaits.awaitDone(vpns, vpns.deleteVpnConnection(link.providerLink(first), deleteToken(link.id(), first)),
                        firstNetwork.provider(), "the delete of VPN connection", SIDE_GONE_WITHIN);
            } catch (ResourceNotFound gone) {
                // deleted already, by an earlier attempt or behind our back
            }
        }
        if (link.providerLink(last) == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(vpns(lastNetwork).deleteVpnConnection(link.providerLink(last), deleteToken(link.id(), last)));
        } catch (ResourceNotFound gone) {
            return Optional.empty();
        }
    }

    @Override
    public Map<String, String> outcome(Operation op, OperationHandle handle) {
        if (op.kind() != OperationKind.CREATE_NETWORK_LINK || handle.resource().type() != ResourceType.VPN_CONNECTION) {
            return Map.of();
        }
        VpnConnections vpns = providers.get(op.provider()).require(VpnConnections.class);
        ProviderVpnConnection made = vpns.getVpnConnection(handle.resource().id())
                .orElseThrow(() -> new ResourceNotFound(op.provider(), ResourceType.VPN_CONNECTION, handle.resource().id(),
                        "the VPN connection is gone right after its create"));
        Map<String, String> outcome = new HashMap<>();
        made.localAddress().ifPresent(address -> outcome.put("endpoint", address));
        outcome.put("peerEndpoint", made.peerAddress());
        return outcome;
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, Instant finishedAt) {
        succeeded(op, handle, new io.skydeck.connectors.spi.OperationStatus.Succeeded(handle, finishedAt), Map.of());
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, io.skydeck.connectors.spi.OperationStatus.Succeeded done,
                          Map<String, String> outcome) {
        NetworkLink link = links.findById(op.targetId());
        Instant at = done.finishedAt();
        switch (op.kind()) {
            case CREATE_NETWORK_LINK -> {
                NetworkLink.Side side = link.kind() == NetworkLink.Kind.PEERING ? NetworkLink.Side.A : side(op);
                link.madeOn(side, handle.resource().id(), outcome.get("endpoint"), at);
                if (link.kind() == NetworkLink.Kind.VPN && link.endpoint(other(side)) == null) {
                    link.endpointOf(other(side), outcome.get("peerEndpoint"));
                }
                if (link.kind() == NetworkLink.Kind.VPN && link.providerLink(other(side)) == null) {
                    if (link.endpoint(side) == null) {
                        throw new IllegalStateException("provider " + op.provider() + " gave VPN connection " + handle.resource().id()
                                + " no public address for the other side to name");
                    }
                    Network next = networks.findById(link.network(other(side)));
                    Operation second = operations.start(link.tenantId(), OperationKind.CREATE_NETWORK_LINK, "network-link", link.id(),
                            next.provider(), OperationParams.write(json, Map.of("side", other(side).name())));
                    audit.record("network-link.side-created", "network-link", link.id(), link.tenantId(),
                            Map.of("side", side.name(), "operation", op.id(), "next", second.id()));
                    return;
                }
                link.moveTo(NetworkLink.Status.AVAILABLE, at);
                audit.record("network-link.created", "network-link", link.id(), link.tenantId(),
                        Map.of("kind", link.kind().name(), "operation", op.id()));
            }
            case DELETE_NETWORK_LINK -> {
                link.moveTo(NetworkLink.Status.DELETED, at);
                audit.record("network-link.deleted", "network-link", link.id(), link.tenantId(), Map.of("operation", op.id()));
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a network link operation");
        }
    }

    @Override
    public void failed(Operation op, ProviderException error, Instant at) {
        NetworkLink link = links.findById(op.targetId());
        switch (op.kind()) {
            // What the first side of a VPN made stays recorded: deleting the failed link removes it.
            case CREATE_NETWORK_LINK -> link.moveTo(NetworkLink.Status.FAILED, at);
            case DELETE_NETWORK_LINK -> link.moveTo(NetworkLink.Status.valueOf(
                    OperationParams.read(json, op).getOrDefault("from", NetworkLink.Status.AVAILABLE.name())), at);
            default -> {
            }
        }
        GiveUpAudit.record(audit, "network-link", op, error);
    }

    @Override
    public void lockTarget(Operation op) {
        links.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
    }

    private NetworkPeerings peerings(Network n) {
        return providers.get(n.provider()).require(NetworkPeerings.class);
    }

    private VpnConnections vpns(Network n) {
        return providers.get(n.provider()).require(VpnConnections.class);
    }

    private static PeeringSpec.NetworkSide side(Network n) {
        return new PeeringSpec.NetworkSide(n.region(), n.providerNetworkId(), n.cidr());
    }

    private static Map<String, String> tags(NetworkLink link) {
        return Map.of("skydeck-tenant", link.tenantId().toString(), "skydeck-link", link.id().toString());
    }
}
