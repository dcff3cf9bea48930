package io.skydeck.network;

import io.skydeck.network.address.Cidr;
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

    @Transactional
    public NetworkLink link(UUID tenantId, UUID one, UUID other) {
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
        NetworkLink.Kind kind = a.provider().equals(b.provider()) ? NetworkLink.Kind.PEERING : NetworkLink.Kind.VPN;
        NetworkLink link = new NetworkLink(UUID.randomUUID(), tenantId, a.id(), b.id(), kind, now());
        links.persist(link);
        audit.record("network-link.created", "network-link", link.id(), tenantId,
                Map.of("networkA", a.id(), "networkB", b.id(), "kind", kind.name()));
        return link;
    }

    @Transactional
    public void unlink(NetworkLink link) {
        NetworkLink managed = links.findById(link.id(), LockModeType.PESSIMISTIC_WRITE);
        if (managed.status() == NetworkLink.Status.DELETED) {
            return;
        }
        managed.delete(now());
        audit.record("network-link.deleted", "network-link", managed.id(), managed.tenantId(), Map.of());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<NetworkLink> find(UUID id) {
        return links.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<NetworkLink> activeOn(UUID networkId) {
        return links.activeOn(networkId);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<NetworkLink> list(Optional<UUID> tenantId, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("status", Optional.of(NetworkLink.Status.ACTIVE))
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
