package io.skydeck.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.network.address.Cidr;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Joins two of a tenant's networks. A link is refused when it would make one network route to
 * two places for one address: the two ranges overlap, or one side overlaps a network the other
 * side is already linked to. Both networks' rows are locked, in id order, so two links made at
 * once see each other.
 *
 * <p>The provider side is made by a CREATE_NETWORK_LINK operation ({@link NetworkLinkOperations}).
 * Two networks of one provider are peered, in one region or, where the provider peers across
 * regions, in two; otherwise both sides get a VPN connection, which each provider must offer —
 * a provider that does not is named in a 409 when the link is asked for, not found out later.
 */
@ApplicationScoped
public class NetworkLinks {

    @Inject
    NetworkRepository networks;

    @Inject
    NetworkLinkRepository links;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Inject
    ProviderRegistry providers;

    @Inject
    OperationService operations;

    @Inject
    ObjectMapper json;

    /** A link whose create or delete was accepted, with its operation. */
    public record Started(NetworkLink link, Operation operation) {
    }

    /** How a pair is joined, and the network whose side a VPN's setup starts from. */
    public record Plan(NetworkLink.Kind kind, UUID startsAt) {
    }

    /**
     * Peering or VPN, decided before {@link #link} from the providers' configuration (what they can
     * do, never a call to the cloud), so that nothing is asked of a provider while the networks'
     * rows are locked. A network's provider and region never change, so an unlocked read will do.
     */
    public Plan plan(Network one, Network other) {
        Network a = NetworkLink.inDatabaseOrder(one.id(), other.id()) ? one : other;
        Network b = a == one ? other : one;
        return plan(a, b, one.id());
    }

    @Transactional
    public Started link(UUID tenantId, UUID one, UUID other, Plan plan) {
        if (one.equals(other)) {
            throw ProblemException.invalid("networkB", "a network cannot be linked to itself");
        }
        UUID first = NetworkLink.inDatabaseOrder(one, other) ? one : other;
        UUID second = first.equals(one) ? other : one;
        Network lockedFirst = networks.findById(first, LockModeType.PESSIMISTIC_WRITE);
        Network lockedSecond = networks.findById(second, LockModeType.PESSIMISTIC_WRITE);
        Network a = first.equals(one) ? lockedFirst : lockedSecond;
        Network b = first.equals(one) ? lockedSecond : lockedFirst;
        for (Network n : List.of(a, b)) {
            if (n.status() != Network.Status.AVAILABLE) {
                throw new ProblemException(ProblemType.CONFLICT, "network " + n.id() + " (" + n.name() + ") is " + n.status()
                        + "; only an available network can be linked");
            }
        }
        List<NetworkLink> onA = links.activeOn(a.id());
        onA.stream().filter(link -> link.peerOf(a.id()).equals(b.id())).findFirst().ifPresent(existing -> {
            throw new ProblemException(ProblemType.CONFLICT, "networks " + a.name() + " and " + b.name() + " are already linked by " + existing.id());
        });
        List<Problem.FieldError> clashes = new ArrayList<>();
        clash(a, b, "networkB", clashes);
        for (NetworkLink link : links.activeOn(b.id())) {
            clash(a, networks.findById(link.peerOf(b.id())), "networkA", clashes);
        }
        for (NetworkLink link : onA) {
            clash(b, networks.findById(link.peerOf(a.id())), "networkB", clashes);
        }
        if (!clashes.isEmpty()) {
            throw new ProblemException(ProblemType.CONFLICT, clashes.get(0).message(), clashes, Map.of());
        }
        String key = plan.kind() == NetworkLink.Kind.VPN ? PreSharedKeys.make() : null;
        NetworkLink link = new NetworkLink(UUID.randomUUID(), tenantId, a.id(), b.id(), plan.kind(), key, now());
        links.persist(link);
        Network startsAt = plan.startsAt().equals(a.id()) ? a : b;
        NetworkLink.Side side = startsAt.id().equals(link.networkA()) ? NetworkLink.Side.A : NetworkLink.Side.B;
        Operation op = operations.start(tenantId, OperationKind.CREATE_NETWORK_LINK, "network-link", link.id(), startsAt.provider(),
                OperationParams.write(json, Map.of("side", side.name())));
        audit.record("network-link.create-requested", "network-link", link.id(), tenantId,
                Map.of("networkA", a.id(), "networkB", b.id(), "kind", plan.kind().name(), "operation", op.id()));
        return new Started(link, op);
    }

    /**
     * Peering when one provider holds both networks and can peer them (across regions only where
     * it says so); a VPN otherwise, which both providers must offer and at least one must know its
     * endpoint address before the connection exists (the other side is set up first, naming it).
     */
    private Plan plan(Network a, Network b, UUID askedFirst) {
        CloudProvider providerA = providers.get(a.provider());
        CloudProvider providerB = providers.get(b.provider());
        if (a.provider().equals(b.provider())) {
            Optional<NetworkPeerings> peerings = providerA.capability(NetworkPeerings.class);
            if (peerings.isPresent() && (a.region().equals(b.region()) || peerings.get().acrossRegions())) {
                return new Plan(NetworkLink.Kind.PEERING, a.id());
            }
            if (a.region().equals(b.region())) {
                throw refused(field(b, askedFirst), "provider " + a.provider() + " cannot " + CapabilityKind.NETWORK_PEERINGS.ability()
                        + ": networks " + a.name() + " and " + b.name() + " cannot be linked");
            }
        }
        Optional<VpnConnections> vpnA = providerA.capability(VpnConnections.class);
        Optional<VpnConnections> vpnB = providerB.capability(VpnConnections.class);
        for (Network n : List.of(a, b)) {
            if ((n == a ? vpnA : vpnB).isEmpty()) {
                throw refused(field(n, askedFirst), "provider " + n.provider() + " cannot "
                        + CapabilityKind.VPN_CONNECTIONS.ability() + ": network " + n.name() + " (" + n.provider() + ", " + n.region()
                        + ") cannot be linked to network " + (n == a ? b : a).name() + " (" + (n == a ? b : a).provider() + ", "
                        + (n == a ? b : a).region() + ")");
            }
        }
        if (!vpnA.get().endpointKnownFirst()) {
            if (!vpnB.get().endpointKnownFirst()) {
                throw refused(field(b, askedFirst), "neither provider " + a.provider() + " nor " + b.provider()
                        + " knows its VPN endpoint address before a connection exists, so neither side can be set up first");
            }
            return new Plan(NetworkLink.Kind.VPN, a.id());
        }
        return new Plan(NetworkLink.Kind.VPN, vpnB.get().endpointKnownFirst() ? a.id() : b.id());
    }

    /** The request's name for {@code n}: the link keeps its pair in id order, the caller may not have. */
    private static String field(Network n, UUID askedFirst) {
        return n.id().equals(askedFirst) ? "networkA" : "networkB";
    }

    private static ProblemException refused(String field, String message) {
        return new ProblemException(ProblemType.CONFLICT, message, List.of(new Problem.FieldError(field, message)), Map.of());
    }

    /**
     * Removes the link's provider side through one DELETE_NETWORK_LINK operation; a link with
     * nothing in any provider (its create failed before anything was made) goes at once. While
     * its create runs, the answer is a 409; a delete already running is answered again.
     */
    @Transactional
    public Optional<Started> unlink(NetworkLink link) {
        NetworkLink managed = links.findById(link.id(), LockModeType.PESSIMISTIC_WRITE);
        Optional<Operation> running = operations.activeOn(managed.id());
        if (running.isPresent() && running.get().kind() == OperationKind.DELETE_NETWORK_LINK) {
            return Optional.of(new Started(managed, running.get()));
        }
        running.ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + op.id() + " (" + op.kind()
                    + ") is still running on network link " + managed.id() + "; delete it once it is " + NetworkLink.Status.AVAILABLE);
        });
        if (managed.status() == NetworkLink.Status.DELETED) {
            return Optional.empty();
        }
        Instant now = now();
        if (managed.providerLinkA() == null && managed.providerLinkB() == null) {
            managed.moveTo(NetworkLink.Status.DELETED, now);
            audit.record("network-link.deleted", "network-link", managed.id(), managed.tenantId(), Map.of("provider", "nothing to delete"));
            return Optional.empty();
        }
        // The operation polls the side removed last: side b if it has anything, else side a.
        NetworkLink.Side last = managed.providerLinkB() != null ? NetworkLink.Side.B : NetworkLink.Side.A;
        String provider = networks.findById(managed.network(last)).provider();
        String from = managed.status().name();
        managed.moveTo(NetworkLink.Status.DELETING, now);
        Operation op = operations.start(managed.tenantId(), OperationKind.DELETE_NETWORK_LINK, "network-link", managed.id(), provider,
                OperationParams.write(json, Map.of("side", last.name(), "from", from)));
        audit.record("network-link.delete-requested", "network-link", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return Optional.of(new Started(managed, op));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<NetworkLink> find(UUID id) {
        return links.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<NetworkLink> activeOn(UUID networkId) {
        return links.activeOn(networkId);
    }

    /** The links whose provider side is there, which the network's routes follow. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<NetworkLink> availableOn(UUID networkId) {
        return links.availableOn(networkId);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<NetworkLink> list(Optional<UUID> tenantId, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).whereNotIn("status", List.of(NetworkLink.Status.DELETED))
                .page(links, page);
    }

    public static Cursor position(NetworkLink link) {
        return new Cursor(link.createdAt(), link.id());
    }

    /** Whether {@code side}'s ranges overlap {@code peer}'s, as the field errors of a refusal. */
    private static void clash(Network side, Network peer, String field, List<Problem.FieldError> clashes) {
        for (String mine : ranges(side)) {
            for (String theirs : ranges(peer)) {
                if (Cidr.parse(mine).overlaps(Cidr.parse(theirs))) {
                    clashes.add(new Problem.FieldError(field, mine + " of network " + side.name() + " overlaps " + theirs
                            + " of network " + peer.name() + "; linked networks need ranges apart"));
                }
            }
        }
    }

    private static List<String> ranges(Network n) {
        return Stream.of(n.cidr(), n.ipv6Cidr()).filter(r -> r != null).toList();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
