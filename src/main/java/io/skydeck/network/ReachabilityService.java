package io.skydeck.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.network.address.Cidr;
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
 * security groups, servers in networks and their public addresses as they are recorded, and asks
 * the policy model ({@link Reachability}). Recorded, not probed: the answer is what the rules
 * Skydeck holds decide, which drift sync keeps equal to what the providers hold.
 */
@ApplicationScoped
public class ReachabilityService {

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
    ObjectMapper json;

    @Transactional(Transactional.TxType.SUPPORTS)
    public Verdict analyze(UUID tenantId, Side from, Side to, String protocolText, Integer port) {
        Protocol protocol = protocol(protocolText);
        if (protocol.hasPorts() && (port == null || port < 0 || port > 65_535)) {
            throw ProblemException.invalid("port", port == null ? protocol.label() + " needs a port" : port + " is outside 0..65535");
        }
        Topology topology = topologyOf(tenantId);
        Reachability reachability = Reachability.of(topology);
        Peer source = peer("from", tenantId, from, topology);
        Peer destination = peer("to", tenantId, to, topology);
        Answer answer = reachability.analyze(source, destination, new Traffic(protocol, protocol.hasPorts() ? port : Traffic.NO_PORT));
        String link = answer.path().filter(p -> p instanceof Path.ViaLink).map(p -> ((Path.ViaLink) p).linkId()).orElse(null);
        String path = answer.path().map(p -> p.kind().name()).orElse(null);
        if (answer instanceof Answer.Reachable yes) {
            Map<String, String> names = new HashMap<>();
            topology.groups().forEach(g -> names.put(g.id(), g.name()));
            return new Verdict(true, path, link, yes.egress().map(r -> RuleView.of(r, names)).orElse(null),
                    yes.ingress().map(r -> RuleView.of(r, names)).orElse(null), null, null);
        }
        Answer.Unreachable no = (Answer.Unreachable) answer;
        return new Verdict(false, path, link, null, null, no.hop().name(), no.reason());
    }

    private Topology topologyOf(UUID tenantId) {
        List<Vpc> vpcs = new ArrayList<>();
        for (Network n : networks.list("tenantId = ?1 and status = ?2", tenantId, Network.Status.AVAILABLE)) {
            List<Cidr> ranges = new ArrayList<>(List.of(Cidr.parse(n.cidr())));
            Optional.ofNullable(n.ipv6Cidr()).map(Cidr::parse).ifPresent(ranges::add);
            List<io.skydeck.network.reachability.Subnet> zoneSubnets = subnets.of(n.id()).stream()
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

    /** The tenant's live servers in networks, with their groups in attachment order and their public address. */
    private List<Peer> endpoints(UUID tenantId) {
        @SuppressWarnings("unchecked")
        List<Object[]> members = em.createNativeQuery("""
                SELECT m.target_id, m.group_id FROM security_group_member m JOIN security_group g ON g.id = m.group_id
                WHERE m.tenant_id = ?1 AND m.target_type = 'server' ORDER BY g.name""").setParameter(1, tenantId).getResultList();
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
        return peers;
    }

    private Peer peer(String field, UUID tenantId, Side side, Topology topology) {
        int given = (side.server() == null ? 0 : 1) + (side.workload() == null ? 0 : 1) + (side.cidr() == null ? 0 : 1);
        if (given != 1) {
            throw ProblemException.invalid(field, "name exactly one of server, workload and cidr");
        }
        if (side.cidr() != null) {
            try {
                Cidr range = Cidr.parse(side.cidr());
                return new ExternalRange("cidr:" + range, ExternalRange.Kind.INTERNET, range);
            } catch (InvalidAddress e) {
                throw ProblemException.invalid(field + ".cidr", e.getMessage());
            }
        }
        if (side.workload() != null) {
            throw ProblemException.invalid(field + ".workload", "workloads are not in tenant networks yet; ask about a server or a range");
        }
        String id = side.server().toString();
        return topology.peers().stream().filter(p -> p instanceof Endpoint e && e.id().equals(id)).findFirst()
                .orElseThrow(() -> {
                    Object[] known = serverOf(tenantId, side.server());
                    return known == null ? ProblemException.notFound("server", side.server())
                            : ProblemException.invalid(field + ".server", "server " + side.server() + " is in no network");
                });
    }

    private Object[] serverOf(UUID tenantId, UUID serverId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT id, network_id FROM server WHERE id = ?1 AND tenant_id = ?2 AND status NOT IN ('DELETED', 'FAILED')")
                .setParameter(1, serverId).setParameter(2, tenantId).getResultList();
        return rows.isEmpty() ? null : rows.get(0);
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
