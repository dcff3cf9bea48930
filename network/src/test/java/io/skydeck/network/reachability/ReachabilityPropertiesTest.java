package io.skydeck.network.reachability;

import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.Direction;
import io.skydeck.network.policy.PortRange;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityRule;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * The analyzer against a brute-force evaluator written here from the rules as stated in
 * {@link Reachability}'s comment, sharing none of its code: peers and groups found by scanning
 * lists, ranges compared by first and last address instead of masks. Topologies are small and
 * random (up to 3 VPCs, some linked, IPv4 and IPv6 subnets, up to 6 endpoints — some of them
 * workloads in their VPC as a whole, at unknown addresses — up to 4 groups of up
 * to 8 rules, external ranges of both families), drawn from jqwik's {@code Random}.
 */
class ReachabilityPropertiesTest {

    /** Broad ranges appear twice, so that some flows get through. */
    private static final List<String> RANGES = List.of("0.0.0.0/0", "0.0.0.0/0", "::/0", "10.0.0.0/8", "10.0.0.0/8", "fd00::/8", "10.1.0.0/16", "10.0.1.0/24",
            "203.0.113.0/24", "203.0.113.3/32", "198.51.100.0/24", "198.51.100.0/25", "fd00::/8", "fd00:1::/48",
            "2001:db8::/32", "2001:db8::2/128", "10.0.1.1/32");
    private static final List<String> EXTERNAL = List.of("0.0.0.0/0", "198.51.100.0/24", "203.0.113.0/24", "::/0",
            "2001:db8::/32", "10.0.0.0/8", "198.51.100.0/25");
    private static final List<PortRange> PORTS = List.of(PortRange.ALL, PortRange.of(22), PortRange.of(80),
            PortRange.of(443), new PortRange(80, 443), new PortRange(1000, 2000));
    private static final int[] ASKED_PORTS = {22, 80, 443, 1500, 5432};

    /** What the brute force decides: the path kind, the hop that denies, and which rules allowed (group id, rule index). */
    record Verdict(boolean reachable, Optional<Path.Kind> path, Optional<Answer.Hop> hop, Optional<String> egress, Optional<String> ingress) {
    }

    @Property(tries = 500)
    void analyzerAgreesWithBruteForce(@ForAll Random random) {
        Topology topology = topology(random);
        Reachability indexed = Reachability.of(topology);
        Reachability scanned = Reachability.withoutIndex(topology);
        List<Peer> peers = topology.peers();
        for (int q = 0; q < 20; q++) {
            Peer from = peers.get(random.nextInt(peers.size()));
            Peer to = peers.get(random.nextInt(peers.size()));
            if (from == to || (from instanceof ExternalRange && to instanceof ExternalRange)) {
                continue;
            }
            Traffic traffic = traffic(random);

            Answer answer = indexed.analyze(from.id(), to.id(), traffic);
            Verdict expected = bruteForce(topology, from.id(), to.id(), traffic);

            assertThat(verdictOf(answer)).as("%s -> %s %s in %s", from.id(), to.id(), traffic, topology).isEqualTo(expected);
            assertThat(scanned.analyze(from.id(), to.id(), traffic)).as("without the index").isEqualTo(answer);
            Statistics.label("answer").collect(answer.reachable() ? "reachable " + answer.path().get().kind()
                    : "denied at " + ((Answer.Unreachable) answer).hop());
        }
    }

    /** The property would prove little if the generator rarely produced some outcome; 200 seeded topologies produce them all. */
    @Test
    void theGeneratorProducesEveryPathKindAndEveryDenyingHop() {
        Set<String> seen = new TreeSet<>();
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            Topology topology = topology(random);
            Reachability reachability = Reachability.of(topology);
            List<Peer> peers = topology.peers();
            for (int q = 0; q < 20; q++) {
                Peer from = peers.get(random.nextInt(peers.size()));
                Peer to = peers.get(random.nextInt(peers.size()));
                if (from != to && !(from instanceof ExternalRange && to instanceof ExternalRange)) {
                    Answer answer = reachability.analyze(from.id(), to.id(), traffic(random));
                    seen.add(answer.reachable() ? "reachable " + answer.path().get().kind() : "denied at " + ((Answer.Unreachable) answer).hop());
                }
            }
        }
        assertThat(seen).containsExactlyInAnyOrder("reachable SAME_SUBNET", "reachable SAME_VPC", "reachable LINK",
                "reachable PUBLIC_IP", "reachable OUTBOUND_NAT", "denied at ROUTE", "denied at SOURCE_EGRESS", "denied at DESTINATION_INGRESS");
    }

    private static Verdict verdictOf(Answer answer) {
        if (answer instanceof Answer.Reachable r) {
            return new Verdict(true, Optional.of(r.via().kind()), Optional.empty(),
                    r.egress().map(d -> d.groupId() + "#" + d.ruleIndex()), r.ingress().map(d -> d.groupId() + "#" + d.ruleIndex()));
        }
        Answer.Unreachable u = (Answer.Unreachable) answer;
        return new Verdict(false, u.path().map(Path::kind), Optional.of(u.hop()), Optional.empty(), Optional.empty());
    }

    // --- the brute force

    static Verdict bruteForce(Topology topology, String fromId, String toId, Traffic traffic) {
        Peer from = find(topology.peers(), fromId);
        Peer to = find(topology.peers(), toId);
        Endpoint src = from instanceof Endpoint e ? e : null;
        Endpoint dst = to instanceof Endpoint e ? e : null;
        Path.Kind kind;
        boolean isPrivate;
        Cidr srcSeen;
        Cidr dstSeen;
        if (src != null && dst != null) {
            if (src.vpcId().equals(dst.vpcId()) || linked(topology, src.vpcId(), dst.vpcId())) {
                kind = !src.vpcId().equals(dst.vpcId()) ? Path.Kind.LINK
                        : src.subnetId().isPresent() && src.subnetId().equals(dst.subnetId()) ? Path.Kind.SAME_SUBNET : Path.Kind.SAME_VPC;
                isPrivate = true;
                if (src.privateRange().family() != dst.privateRange().family()) {
                    return denied(null, Answer.Hop.ROUTE);
                }
                srcSeen = src.privateRange();
                dstSeen = dst.privateRange();
            } else if (src.publicAddress().isEmpty() && src.outboundNat() && dst.publicAddress().isPresent()) {
                if (src.privateRange().family() != dst.publicAddress().get().family()) {
                    return denied(null, Answer.Hop.ROUTE);
                }
                kind = Path.Kind.OUTBOUND_NAT;
                isPrivate = false;
                srcSeen = Cidr.parse(src.privateRange().family().bits() == 32 ? "0.0.0.0/0" : "::/0");
                dstSeen = host(dst.publicAddress().get());
            } else {
                if (src.publicAddress().isEmpty() || dst.publicAddress().isEmpty()
                        || src.publicAddress().get().family() != dst.publicAddress().get().family()) {
                    return denied(null, Answer.Hop.ROUTE);
                }
                kind = Path.Kind.PUBLIC_IP;
                isPrivate = false;
                srcSeen = host(src.publicAddress().get());
                dstSeen = host(dst.publicAddress().get());
            }
        } else {
            Endpoint ours = src != null ? src : dst;
            Cidr external = ((ExternalRange) (src != null ? to : from)).cidr();
            boolean nat = src != null && src.publicAddress().isEmpty() && src.outboundNat();
            if (nat) {
                if (src.privateRange().family() != external.family()) {
                    return denied(null, Answer.Hop.ROUTE);
                }
                Optional<String> egress = allowing(topology, src, Direction.EGRESS, traffic, external, null);
                return egress.isEmpty() ? denied(Path.Kind.OUTBOUND_NAT, Answer.Hop.SOURCE_EGRESS)
                        : new Verdict(true, Optional.of(Path.Kind.OUTBOUND_NAT), Optional.empty(), egress, Optional.empty());
            }
            if (ours.publicAddress().isEmpty() || ours.publicAddress().get().family() != external.family()) {
                return denied(null, Answer.Hop.ROUTE);
            }
            kind = Path.Kind.PUBLIC_IP;
            isPrivate = false;
            srcSeen = src != null ? host(src.publicAddress().get()) : external;
            dstSeen = dst != null ? host(dst.publicAddress().get()) : external;
        }
        Optional<String> egress = Optional.empty();
        if (src != null) {
            egress = allowing(topology, src, Direction.EGRESS, traffic, dstSeen, isPrivate ? dst : null);
            if (egress.isEmpty()) {
                return denied(kind, Answer.Hop.SOURCE_EGRESS);
            }
        }
        Optional<String> ingress = Optional.empty();
        if (dst != null) {
            ingress = allowing(topology, dst, Direction.INGRESS, traffic, srcSeen, isPrivate ? src : null);
            if (ingress.isEmpty()) {
                return denied(kind, Answer.Hop.DESTINATION_INGRESS);
            }
        }
        return new Verdict(true, Optional.of(kind), Optional.empty(), egress, ingress);
    }

    /** The first rule of the endpoint's groups, in attachment then rule order, allowing the traffic with the peer. */
    private static Optional<String> allowing(Topology topology, Endpoint self, Direction direction, Traffic traffic,
                                             Cidr peerSeen, Endpoint peerIfPrivate) {
        for (String groupId : self.groupIds()) {
            for (SecurityGroup group : topology.groups()) {
                if (!group.id().equals(groupId)) {
                    continue;
                }
                for (int i = 0; i < group.rules().size(); i++) {
                    SecurityRule rule = group.rules().get(i);
                    boolean protocol = rule.protocol() == Protocol.ANY || rule.protocol() == traffic.protocol();
                    boolean port = !traffic.protocol().hasPorts()
                            || (rule.ports().from() <= traffic.port() && traffic.port() <= rule.ports().to());
                    boolean remote;
                    if (rule.remote() instanceof Remote.Range range) {
                        Cidr r = range.cidr();
                        remote = r.family() == peerSeen.family()
                                && r.first().compareTo(peerSeen.first()) <= 0 && peerSeen.last().compareTo(r.last()) <= 0;
                    } else {
                        remote = peerIfPrivate != null && peerIfPrivate.groupIds().contains(((Remote.Group) rule.remote()).groupId());
                    }
                    if (rule.direction() == direction && protocol && port && remote) {
                        return Optional.of(group.id() + "#" + i);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean linked(Topology topology, String a, String b) {
        for (Link link : topology.links()) {
            if ((link.vpcA().equals(a) && link.vpcB().equals(b)) || (link.vpcA().equals(b) && link.vpcB().equals(a))) {
                return true;
            }
        }
        return false;
    }

    private static Peer find(List<Peer> peers, String id) {
        for (Peer peer : peers) {
            if (peer.id().equals(id)) {
                return peer;
            }
        }
        throw new AssertionError("no peer " + id);
    }

    private static Cidr host(IpAddress address) {
        return Cidr.containing(address, address.family().bits());
    }

    private static Verdict denied(Path.Kind kind, Answer.Hop hop) {
        return new Verdict(false, Optional.ofNullable(kind), Optional.of(hop), Optional.empty(), Optional.empty());
    }

    // --- random topologies

    private static Topology topology(Random random) {
        List<Vpc> vpcs = new ArrayList<>();
        List<Subnet> allSubnets = new ArrayList<>();
        int vpcCount = 1 + random.nextInt(3);
        for (int v = 0; v < vpcCount; v++) {
            List<Subnet> subnets = new ArrayList<>();
            int subnetCount = 1 + random.nextInt(2);
            for (int s = 0; s < subnetCount; s++) {
                String cidr = random.nextInt(6) == 0 ? "fd00:" + v + ":0:" + s + "::/64" : "10." + v + "." + s + ".0/24";
                subnets.add(new Subnet("s" + v + "-" + s, "z" + s, Cidr.parse(cidr)));
            }
            allSubnets.addAll(subnets);
            vpcs.add(new Vpc("v" + v, List.of(Cidr.parse("10." + v + ".0.0/16"), Cidr.parse("fd00:" + v + "::/48")), subnets));
        }
        List<Link> links = new ArrayList<>();
        for (int a = 0; a < vpcCount; a++) {
            for (int b = a + 1; b < vpcCount; b++) {
                int copies = (random.nextInt(10) < 6 ? 1 : 0) + (random.nextInt(10) == 0 ? 1 : 0);
                for (int c = 0; c < copies; c++) {
                    links.add(new Link("l" + a + b + c, random.nextBoolean() ? Link.Kind.PEERING : Link.Kind.VPN, "v" + a, "v" + b));
                }
            }
        }
        int groupCount = 1 + random.nextInt(4);
        List<SecurityGroup> groups = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) {
            List<SecurityRule> rules = new ArrayList<>();
            int ruleCount = random.nextInt(9);
            for (int r = 0; r < ruleCount; r++) {
                Protocol protocol = Protocol.values()[random.nextInt(5) % 4];
                Remote remote = random.nextInt(10) < 6 ? new Remote.Range(Cidr.parse(RANGES.get(random.nextInt(RANGES.size()))))
                        : new Remote.Group("g" + random.nextInt(groupCount));
                rules.add(new SecurityRule(random.nextBoolean() ? Direction.INGRESS : Direction.EGRESS, protocol,
                        protocol.hasPorts() ? PORTS.get(random.nextInt(PORTS.size())) : PortRange.ALL, remote));
            }
            // Most real groups open egress widely; without that, nearly every random flow stops at the source.
            if (random.nextInt(10) < 4) {
                rules.add(random.nextInt(rules.size() + 1), new SecurityRule(Direction.EGRESS, random.nextBoolean() ? Protocol.ANY : Protocol.TCP,
                        PortRange.ALL, new Remote.Range(Cidr.parse(random.nextBoolean() ? "0.0.0.0/0" : "10.0.0.0/8"))));
            }
            groups.add(new SecurityGroup("g" + g, "t", "n" + g, rules));
        }
        List<Peer> peers = new ArrayList<>();
        int endpointCount = 2 + random.nextInt(5);
        for (int e = 0; e < endpointCount; e++) {
            Subnet subnet = allSubnets.get(random.nextInt(allSubnets.size()));
            String vpc = "v" + subnet.id().substring(1, subnet.id().indexOf('-'));
            List<String> attached = new ArrayList<>();
            for (int g = 0; g < groupCount; g++) {
                attached.add("g" + g);
            }
            Collections.shuffle(attached, random);
            attached = attached.subList(0, random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(Math.min(3, groupCount)));
            Optional<IpAddress> publicAddress = switch (random.nextInt(5)) {
                case 0, 1 -> Optional.of(IpAddress.parse("203.0.113." + (e + 1)));
                case 2 -> Optional.of(IpAddress.parse("2001:db8::" + (e + 1)));
                default -> Optional.empty();
            };
            if (random.nextInt(4) == 0) {
                // a workload in its VPC as a whole: no subnet, addresses not known, reaching out through its nodes
                peers.add(Endpoint.inNetwork("e" + e, Endpoint.Kind.WORKLOAD, vpc, subnet.cidr().family(), attached));
            } else {
                peers.add(new Endpoint("e" + e, random.nextBoolean() ? Endpoint.Kind.SERVER : Endpoint.Kind.WORKLOAD, vpc, subnet.id(),
                        subnet.cidr().address(1 + e), attached, publicAddress));
            }
        }
        int externalCount = random.nextInt(3);
        for (int x = 0; x < externalCount; x++) {
            peers.add(new ExternalRange("x" + x, x == 0 ? ExternalRange.Kind.INTERNET : ExternalRange.Kind.ON_PREMISES,
                    Cidr.parse(EXTERNAL.get(random.nextInt(EXTERNAL.size())))));
        }
        return new Topology(vpcs, links, groups, peers);
    }

    private static Traffic traffic(Random random) {
        return switch (random.nextInt(6)) {
            case 0, 1 -> Traffic.tcp(ASKED_PORTS[random.nextInt(ASKED_PORTS.length)]);
            case 2 -> Traffic.udp(ASKED_PORTS[random.nextInt(ASKED_PORTS.length)]);
            case 3, 4 -> Traffic.icmp();
            default -> Traffic.any();
        };
    }
}
