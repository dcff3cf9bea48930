package io.skydeck.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.network.address.Cidr;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.network.address.Family;
import io.skydeck.network.address.InvalidAddress;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.reachability.Answer;
import io.skydeck.network.reachability.DecidingRule;
import io.skydeck.network.reachability.Endpoint;
import io.skydeck.network.reachability.ExternalRange;
import io.skydeck.network.reachability.Link;
import io.skydeck.network.reachability.Path;
import io.skydeck.network.reachability.Peer;
import io.skydeck.network.reachability.Reachability;
import io.skydeck.network.reachability.Topology;
import io.skydeck.network.reachability.Traffic;
import io.skydeck.network.reachability.Vpc;
import io.skydeck.platform.problem.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Answers "can this reach that, and why" for one tenant: reads the tenant's networks, links,
 * security groups, servers and workloads in networks and their public addresses as they are
 * recorded, and asks the policy model ({@link Reachability}). Recorded, not probed: the answer is
 * what the rules Skydeck holds decide, which drift sync keeps equal to what the providers hold.
 *
 * <p>A workload is a member of its network as a whole ({@link Endpoint#inNetwork}): Skydeck does
 * not hold its replicas' addresses (on Kubernetes the CNI gives pods theirs, whatever CIDR the
 * namespace's network was given), so its security groups — NetworkPolicy pod selectors there —
 * decide.
 *
 * <p>The topology and its compiled index are kept per tenant with the tenant's topology version
 * ({@code network_topology_version}, bumped by triggers in every transaction that changes what is
 * read here): the version is read before the topology, so a topology is never older than the
 * version it is kept under. While this replica's {@link TopologyWatch} listens, a kept topology is
 * used with no database read at all until a notification says the tenant's topology changed (the
 * same triggers send it when the change commits); otherwise each question reads the version, one
 * primary-key read. Either way a question sees a change committed on any replica before it was asked
 * — with the watch, once PostgreSQL has delivered the notification, well under a millisecond on one host.
 */
@ApplicationScoped
public class ReachabilityService {

    /** Tenants whose topology is kept; the least recently asked go first. */
    private static final int KEPT_TENANTS = 256;

    /**
     * A tenant's topology as built at one version, with its index, and what a question looks up
     * in it by id (servers and workloads, group names) so that a question costs no scan of the estate.
     */
    private record Built(long version, TenantChanges.Mark mark, Topology topology, Reachability reachability,
                         Map<String, Endpoint> endpoints, Map<String, String> groupNames) {
        static Built of(long version, TenantChanges.Mark mark, Topology topology) {
            Map<String, Endpoint> endpoints = new HashMap<>();
            topology.peers().forEach(p -> {
                if (p instanceof Endpoint e) {
                    endpoints.put(e.id(), e);
                }
            });
            Map<String, String> names = new HashMap<>();
            topology.groups().forEach(g -> names.put(g.id(), g.name()));
            return new Built(version, mark, topology, Reachability.of(topology), Map.copyOf(endpoints), Map.copyOf(names));
        }

        /** The same topology, found current again under a newer mark. */
        Built marked(TenantChanges.Mark again) {
            return new Built(version, again, topology, reachability, endpoints, groupNames);
        }
    }

    private final Map<UUID, Built> built = java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Built> eldest) {
            return size() > KEPT_TENANTS;
        }
    });

    private final java.util.concurrent.atomic.AtomicLong builds = new java.util.concurrent.atomic.AtomicLong();

    /** One side of a question: a server, a workload or a range of addresses. */
    public record Side(UUID server, UUID workload, String cidr) {
    }

    /** The answer as the API gives it. */
    public record Verdict(boolean reachable, String path, String link, RuleView egress, RuleView ingress, String deniedAt,
                          String reason) {
    }

    /** The rule that let a hop through: group, its position among the group's rules, and the rule in words. */
    public record RuleView(UUID groupId, String group, int rule, String text) {
        /** The rule in words, a remote group named as the tenant named it rather than by its id. */
        static RuleView of(DecidingRule rule, Map<String, String> groupNames) {
            String text = rule.rule().toString();
            if (rule.rule().remote() instanceof Remote.Group remote && groupNames.containsKey(remote.groupId())) {
                text = text.replace(remote.groupId(), groupNames.get(remote.groupId()));
            }
            return new RuleView(UUID.fromString(rule.groupId()), rule.groupName(), rule.ruleIndex(), text);
        }
    }

    @Inject
    NetworkRepository networks;

    @Inject
    SubnetRepository subnets;

    @Inject
    NetworkLinkRepository links;

    @Inject
    TenantSecurityGroupRepository groups;

    @Inject
    EntityManager em;

    @Inject
    TopologyWatch watch;

    @Inject
    ObjectMapper json;

    @Transactional(Transactional.TxType.SUPPORTS)
    public Verdict analyze(UUID tenantId, Side from, Side to, String protocolText, Integer port) {
        Traffic traffic = traffic(protocolText, port);
        Built current = current(tenantId);
        return verdict(current, peer("from", tenantId, from, current), peer("to", tenantId, to, current), traffic);
    }

    /**
     * The answer from the tenant's kept topology when the {@link TopologyWatch} vouches that it is
     * current and both sides are in it; empty when only the database can tell (then {@link #analyze}).
     * Reads nothing from the database, so it may run on an event loop. Bad input is refused here as there.
     */
    public Optional<Verdict> answerFromKept(UUID tenantId, Side from, Side to, String protocolText, Integer port) {
        Traffic traffic = traffic(protocolText, port);
        Built kept = built.get(tenantId);
        if (kept == null || !watch.unchanged(tenantId, kept.mark())) {
            return Optional.empty();
        }
        Peer source = keptPeer("from", from, kept);
        Peer destination = keptPeer("to", to, kept);
        if (source == null || destination == null) {
            return Optional.empty();
        }
        return Optional.of(verdict(kept, source, destination, traffic));
    }

    private static Traffic traffic(String protocolText, Integer port) {
        Protocol protocol = protocol(protocolText);
        if (protocol.hasPorts() && (port == null || port < 0 || port > 65_535)) {
            throw ProblemException.invalid("port", port == null ? protocol.label() + " needs a port" : port + " is outside 0..65535");
        }
        return new Traffic(protocol, protocol.hasPorts() ? port : Traffic.NO_PORT);
    }

    private static Verdict verdict(Built current, Peer source, Peer destination, Traffic traffic) {
        Answer answer = current.reachability().analyze(source, destination, traffic);
        String link = answer.path().filter(p -> p instanceof Path.ViaLink).map(p -> ((Path.ViaLink) p).linkId()).orElse(null);
        String path = answer.path().map(p -> p.kind().name()).orElse(null);
        if (answer instanceof Answer.Reachable yes) {
            Map<String, String> names = current.groupNames();
            return new Verdict(true, path, link, yes.egress().map(r -> RuleView.of(r, names)).orElse(null),
                    yes.ingress().map(r -> RuleView.of(r, names)).orElse(null), null, null);
        }
        Answer.Unreachable no = (Answer.Unreachable) answer;
        return new Verdict(false, path, link, null, null, no.hop().name(), no.reason());
    }

    /** How many times a topology was built (read from the database and compiled); tests watch it. */
    long builds() {
        return builds.get();
    }

    private Built current(UUID tenantId) {
        Built kept = built.get(tenantId);
        if (kept != null && watch.unchanged(tenantId, kept.mark())) {
            return kept;
        }
        // The mark before the version: a change notified after it makes the next question read again.
        TenantChanges.Mark mark = watch.mark(tenantId);
        long version = TopologyVersion.of(em, tenantId);
        if (kept != null && kept.version() == version) {
            Built again = kept.marked(mark);
            built.merge(tenantId, again, (old, mine) -> old.version() > mine.version() ? old : mine);
            return again;
        }
        Built fresh = Built.of(version, mark, topologyOf(tenantId));
        builds.incrementAndGet();
        built.merge(tenantId, fresh, (old, mine) -> old.version() > mine.version() ? old : mine);
        return fresh;
    }

    private Topology topologyOf(UUID tenantId) {
        List<Vpc> vpcs = new ArrayList<>();
        List<Network> available = networks.list("tenantId = ?1 and status = ?2", tenantId, Network.Status.AVAILABLE);
        Map<UUID, List<Subnet>> subnetsOf = subnets.of(available.stream().map(Network::id).toList());
        for (Network n : available) {
            List<Cidr> ranges = new ArrayList<>(List.of(Cidr.parse(n.cidr())));
            Optional.ofNullable(n.ipv6Cidr()).map(Cidr::parse).ifPresent(ranges::add);
            List<io.skydeck.network.reachability.Subnet> zoneSubnets = subnetsOf.get(n.id()).stream()
                    .filter(s -> s.status() == Subnet.Status.AVAILABLE)
                    .map(s -> new io.skydeck.network.reachability.Subnet(s.id().toString(), s.zone(), Cidr.parse(s.cidr()))).toList();
            vpcs.add(new Vpc(n.id().toString(), ranges, zoneSubnets));
        }
        List<Link> joined = links.list("tenantId = ?1 and status = ?2", tenantId, NetworkLink.Status.AVAILABLE).stream()
                .map(l -> new Link(l.id().toString(), Link.Kind.valueOf(l.kind().name()), l.networkA().toString(), l.networkB().toString()))
                .toList();
        List<SecurityGroup> policies = groups.list("tenantId = ?1 and status not in ?2", tenantId,
                        List.of(TenantSecurityGroup.Status.DELETED, TenantSecurityGroup.Status.FAILED)).stream()
                .map(g -> SecurityRules.read(json, g)).toList();
        return new Topology(vpcs, joined, policies, endpoints(tenantId));
    }

    /**
     * The tenant's live servers and workloads in networks, with their groups (in name order) and a
     * server's public address.
     */
    private List<Peer> endpoints(UUID tenantId) {
        @SuppressWarnings("unchecked")
        List<Object[]> members = em.createNativeQuery("""
                SELECT m.target_id, m.group_id FROM security_group_member m JOIN security_group g ON g.id = m.group_id
                WHERE m.tenant_id = ?1 AND g.status NOT IN ('DELETED', 'FAILED') ORDER BY g.name""")
                .setParameter(1, tenantId).getResultList();
        Map<UUID, List<String>> groupsOf = new HashMap<>();
        members.forEach(m -> groupsOf.computeIfAbsent((UUID) m[0], k -> new ArrayList<>()).add(m[1].toString()));
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT s.id, s.network_id, s.subnet_id, s.private_address,
                       (SELECT p.address FROM public_ip p WHERE p.server_id = s.id AND p.status = 'ALLOCATED' LIMIT 1)
                FROM server s JOIN network n ON n.id = s.network_id
                WHERE s.tenant_id = ?1 AND s.status NOT IN ('DELETED', 'FAILED') AND n.status = 'AVAILABLE'""")
                .setParameter(1, tenantId).getResultList();
        List<Peer> peers = new ArrayList<>();
        for (Object[] r : rows) {
            UUID id = (UUID) r[0];
            peers.add(new Endpoint(id.toString(), Endpoint.Kind.SERVER, r[1].toString(), r[2].toString(), IpAddress.parse((String) r[3]),
                    groupsOf.getOrDefault(id, List.of()), Optional.ofNullable((String) r[4]).map(IpAddress::parse)));
        }
        @SuppressWarnings("unchecked")
        List<Object[]> workloads = em.createNativeQuery("""
                SELECT w.id, w.network_id FROM workload w JOIN network n ON n.id = w.network_id
                WHERE w.tenant_id = ?1 AND w.status NOT IN ('DELETED', 'FAILED') AND n.status = 'AVAILABLE'""")
                .setParameter(1, tenantId).getResultList();
        for (Object[] r : workloads) {
            UUID id = (UUID) r[0];
            peers.add(Endpoint.inNetwork(id.toString(), Endpoint.Kind.WORKLOAD, r[1].toString(), Family.IPV4,
                    groupsOf.getOrDefault(id, List.of())));
        }
        return peers;
    }

    /** A side as the kept topology has it, or {@code null} when it is a server or workload not in it (only the database can say why). */
    private static Peer keptPeer(String field, Side side, Built kept) {
        Peer range = range(field, side);
        if (range != null) {
            return range;
        }
        return kept.endpoints().get((side.server() != null ? side.server() : side.workload()).toString());
    }

    /** The side's range of addresses, or {@code null} for a server or workload; a side naming not exactly one is refused. */
    private static Peer range(String field, Side side) {
        int given = (side.server() == null ? 0 : 1) + (side.workload() == null ? 0 : 1) + (side.cidr() == null ? 0 : 1);
        if (given != 1) {
            throw ProblemException.invalid(field, "name exactly one of server, workload and cidr");
        }
        if (side.cidr() == null) {
            return null;
        }
        try {
            Cidr range = Cidr.parse(side.cidr());
            return new ExternalRange("cidr:" + range, ExternalRange.Kind.INTERNET, range);
        } catch (InvalidAddress e) {
            throw ProblemException.invalid(field + ".cidr", e.getMessage());
        }
    }

    private Peer peer(String field, UUID tenantId, Side side, Built current) {
        Peer range = range(field, side);
        if (range != null) {
            return range;
        }
        String kind = side.server() != null ? "server" : "workload";
        UUID asked = side.server() != null ? side.server() : side.workload();
        String id = asked.toString();
        return Optional.<Peer>ofNullable(current.endpoints().get(id))
                .orElseThrow(() -> exists(kind, tenantId, asked) ? ProblemException.invalid(field + "." + kind, kind + " " + asked
                        + " is in no available network") : ProblemException.notFound(kind, asked));
    }

    /** Whether the tenant has this live server or workload (another tenant's is not found). */
    private boolean exists(String kind, UUID tenantId, UUID id) {
        String table = "server".equals(kind) ? "server" : "workload";
        return !em.createNativeQuery("SELECT 1 FROM " + table + " WHERE id = ?1 AND tenant_id = ?2 AND status NOT IN ('DELETED', 'FAILED')")
                .setParameter(1, id).setParameter(2, tenantId).getResultList().isEmpty();
    }

    private static Protocol protocol(String text) {
        if (text == null) {
            throw ProblemException.invalid("protocol", "one of tcp, udp, icmp, any");
        }
        try {
            return Protocol.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("protocol", "'" + text + "' is not one of tcp, udp, icmp, any");
        }
    }
}
