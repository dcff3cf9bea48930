package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.Family;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.Direction;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.SecurityGroup;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Answers whether a flow from one peer to another gets through, the path it takes, and the rules
 * that decide. The semantics are those of AWS security groups and Neutron, because those are what
 * the rules are rendered to, and an answer must hold on the provider:
 * <ul>
 * <li>Rules only allow, and an endpoint's rules are the union of all groups attached to it: a flow
 * passes when one egress rule of the source and one ingress rule of the destination allow it.</li>
 * <li>Groups are stateful: replies to an allowed flow pass without rules, so only the direction the
 * flow starts in is checked (no ingress rule on the source, no egress rule on the destination).</li>
 * <li>The path decides which address a rule sees. Inside a VPC, or across a link between two VPCs
 * (one link: peering is not transitive, and a VPN link is treated the same), each side sees the
 * other's private address, and a remote-group rule matches when the other side is a member of that
 * group. Between VPCs with no
 * link, traffic goes between public addresses, so both sides need one, each sees the other's public
 * address, and remote-group rules do not match — AWS honours group references only for private
 * addresses.</li>
 * <li>A range outside every VPC (the internet, an on-premises range) reaches an endpoint only at
 * its public address, through an ingress rule whose remote CIDR contains the whole range; an
 * endpoint reaches such a range from its public address through an egress rule that contains it.
 * The range has no rules of its own.</li>
 * <li>A flow keeps its family: an IPv4 endpoint does not reach an IPv6 one.</li>
 * <li>A workload in its VPC as a whole ({@link Endpoint#inNetwork}) has no known address: inside
 * the VPC and across links a range rule matches it only if it contains every address of its family,
 * so its groups decide (NetworkPolicy's pod selectors). Without a public IP it still reaches out,
 * through its nodes' addresses ({@link Path.OutboundNat}): its egress rules decide, and a
 * destination's ingress rule must allow any address; nothing outside reaches it.</li>
 * </ul>
 * Not modelled: network ACLs, route tables beyond "a link exists", NAT gateways (a server
 * without a public IP reaches nothing outside its VPC and its links), dual-stack endpoints (one
 * private address or range each), ICMP type and code.
 *
 * <p>Hops are checked in the order the packet meets them — route, source egress, destination ingress —
 * and the first that stops it is the one reported. The index is built once per topology
 * ({@link #of}); a query then costs a few map look-ups and a scan of the endpoints' compiled rules.
 */
public final class Reachability {

    /**
     * An endpoint with its VPC and attached groups as indexes, for the rule matchers, and its groups
     * as a denial names them ("group db", "groups db, ops"), worked out once.
     */
    record Node(Endpoint endpoint, int vpc, Subnet subnet, int[] groups, String groupsText) {
    }

    private final Map<String, Peer> peers;
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<String, SecurityGroup> groups;
    private final Map<Long, Link> links = new HashMap<>();
    private final RuleMatcher rules;

    private Reachability(Topology topology, boolean indexed) {
        List<Vpc> vpcs = topology.vpcs();
        this.peers = topology.peers().stream().collect(Collectors.toMap(Peer::id, p -> p));
        this.groups = topology.groups().stream().collect(Collectors.toMap(SecurityGroup::id, g -> g));
        Map<String, Integer> groupIndex = indexOf(topology.groups().stream().map(SecurityGroup::id).toList());
        Map<String, Integer> vpcIndex = indexOf(vpcs.stream().map(Vpc::id).toList());
        Map<String, Subnet> subnets = new HashMap<>();
        vpcs.forEach(v -> v.subnets().forEach(s -> subnets.put(s.id(), s)));
        for (Peer peer : topology.peers()) {
            if (peer instanceof Endpoint e) {
                nodes.put(e.id(), new Node(e, vpcIndex.get(e.vpcId()), e.subnetId().map(subnets::get).orElse(null),
                        e.groupIds().stream().mapToInt(groupIndex::get).toArray(), groupsText(e)));
            }
        }
        for (Link link : topology.links()) {
            int a = vpcIndex.get(link.vpcA());
            int b = vpcIndex.get(link.vpcB());
            links.putIfAbsent(pair(a, b), link);
        }
        this.rules = indexed ? new IndexedRules(topology.groups(), groupIndex) : new ScannedRules(topology.groups());
    }

    /** Compiles the topology's rules for fast queries. */
    public static Reachability of(Topology topology) {
        return new Reachability(Objects.requireNonNull(topology, "topology"), true);
    }

    /** Same answers without the rule index — every rule of every attached group read from the records; the benchmark's baseline. */
    public static Reachability withoutIndex(Topology topology) {
        return new Reachability(Objects.requireNonNull(topology, "topology"), false);
    }

    /** One question on a topology not queried again; builds the index first. {@code port} is ignored for ICMP and ANY. */
    public static Answer analyze(Topology topology, String fromId, String toId, Protocol protocol, int port) {
        return of(topology).analyze(fromId, toId, new Traffic(protocol, protocol.hasPorts() ? port : Traffic.NO_PORT));
    }

    /** Between two peers of the topology, by id. */
    public Answer analyze(String fromId, String toId, Traffic traffic) {
        return analyze(peer(fromId), peer(toId), traffic);
    }

    /**
     * Between two peers; an {@link ExternalRange} may be one made up for the question (a CIDR a
     * tenant typed), an {@link Endpoint} must be in the topology.
     */
    public Answer analyze(Peer from, Peer to, Traffic traffic) {
        Objects.requireNonNull(traffic, "traffic");
        if (from.id().equals(to.id())) {
            throw new IllegalArgumentException("from and to are both " + from.id());
        }
        if (from instanceof Endpoint source) {
            return to instanceof Endpoint destination ? betweenEndpoints(node(source), node(destination), traffic)
                    : toRange(node(source), (ExternalRange) to, traffic);
        }
        if (to instanceof Endpoint destination) {
            return fromRange((ExternalRange) from, node(destination), traffic);
        }
        throw new IllegalArgumentException("from " + from.id() + " to " + to.id() + ": at least one side must be a server or workload");
    }

    private Answer betweenEndpoints(Node source, Node destination, Traffic traffic) {
        Endpoint src = source.endpoint();
        Endpoint dst = destination.endpoint();
        Path path;
        if (source.vpc() == destination.vpc()) {
            path = source.subnet() != null && source.subnet() == destination.subnet() ? new Path.SameSubnet() : new Path.SameVpc();
        } else {
            Link link = links.get(pair(source.vpc(), destination.vpc()));
            if (link == null) {
                return overPublicAddresses(source, destination, traffic);
            }
            path = new Path.ViaLink(link.id(), link.kind());
        }
        if (src.privateRange().family() != dst.privateRange().family()) {
            return new Answer.Unreachable(Optional.empty(), Answer.Hop.ROUTE, src.id() + " has an " + familyName(src.privateRange().network())
                    + " address and " + dst.id() + " an " + familyName(dst.privateRange().network()) + " one");
        }
        return checkRules(path, source, dst.privateRange(), destination, src.privateRange(), true, traffic);
    }

    private Answer overPublicAddresses(Node source, Node destination, Traffic traffic) {
        Endpoint src = source.endpoint();
        Endpoint dst = destination.endpoint();
        String notLinked = "VPC " + src.vpcId() + " and VPC " + dst.vpcId() + " are not linked";
        if (dst.publicAddress().isEmpty()) {
            return route(notLinked + ", and destination " + dst.id() + " has no public IP");
        }
        IpAddress dstPublic = dst.publicAddress().get();
        if (src.publicAddress().isEmpty() && src.outboundNat()) {
            if (src.privateRange().family() != dstPublic.family()) {
                return route(notLinked + ", and " + src.id() + " reaches out with " + familyName(src.privateRange().network())
                        + " addresses while the public IP of " + dst.id() + " is " + familyName(dstPublic));
            }
            return checkRules(new Path.OutboundNat(), source, single(dstPublic), destination, anyOf(dstPublic), false, traffic);
        }
        if (src.publicAddress().isEmpty()) {
            return route(notLinked + ", and source " + src.id() + " has no public IP");
        }
        IpAddress srcPublic = src.publicAddress().get();
        if (srcPublic.family() != dstPublic.family()) {
            return route(notLinked + ", and the public IP of " + src.id() + " is " + familyName(srcPublic)
                    + " while that of " + dst.id() + " is " + familyName(dstPublic));
        }
        return checkRules(new Path.PublicIp(), source, single(dstPublic), destination, single(srcPublic), false, traffic);
    }

    private Answer fromRange(ExternalRange range, Node destination, Traffic traffic) {
        Endpoint dst = destination.endpoint();
        if (dst.publicAddress().isEmpty()) {
            return route("destination " + dst.id() + " has no public IP");
        }
        if (dst.publicAddress().get().family() != range.cidr().family()) {
            return route("destination " + dst.id() + " has no public " + familyName(range.cidr().network()) + " address");
        }
        return checkRules(new Path.PublicIp(), null, null, destination, range.cidr(), false, traffic);
    }

    private Answer toRange(Node source, ExternalRange range, Traffic traffic) {
        Endpoint src = source.endpoint();
        if (src.publicAddress().isEmpty() && src.outboundNat()) {
            if (src.privateRange().family() != range.cidr().family()) {
                return route("source " + src.id() + " has no " + familyName(range.cidr().network()) + " address");
            }
            return checkRules(new Path.OutboundNat(), source, range.cidr(), null, null, false, traffic);
        }
        if (src.publicAddress().isEmpty()) {
            return route("source " + src.id() + " has no public IP");
        }
        if (src.publicAddress().get().family() != range.cidr().family()) {
            return route("source " + src.id() + " has no public " + familyName(range.cidr().network()) + " address");
        }
        return checkRules(new Path.PublicIp(), source, range.cidr(), null, null, false, traffic);
    }

    /**
     * Egress of {@code source} (when it is ours) towards {@code destinationSeenAs}, then ingress of
     * {@code destination} (when ours) from {@code sourceSeenAs}. Group membership counts only on
     * private paths.
     */
    private Answer checkRules(Path path, Node source, Cidr destinationSeenAs, Node destination, Cidr sourceSeenAs,
                              boolean privatePath, Traffic traffic) {
        Node sourceMember = privatePath ? source : null;
        Node destinationMember = privatePath ? destination : null;
        DecidingRule egress = null;
        if (source != null) {
            egress = rules.firstAllowing(source, Direction.EGRESS, traffic, destinationSeenAs, destinationMember);
            if (egress == null) {
                return new Answer.Unreachable(Optional.of(path), Answer.Hop.SOURCE_EGRESS,
                        "no egress rule allows " + traffic + " to " + shown(destinationSeenAs, destinationMember) + " on " + source.groupsText());
            }
        }
        DecidingRule ingress = null;
        if (destination != null) {
            ingress = rules.firstAllowing(destination, Direction.INGRESS, traffic, sourceSeenAs, sourceMember);
            if (ingress == null) {
                return new Answer.Unreachable(Optional.of(path), Answer.Hop.DESTINATION_INGRESS,
                        "no ingress rule allows " + traffic + " from " + shown(sourceSeenAs, sourceMember) + " on " + destination.groupsText());
            }
        }
        return new Answer.Reachable(path, Optional.ofNullable(egress), Optional.ofNullable(ingress));
    }

    private String groupsText(Endpoint endpoint) {
        List<String> ids = endpoint.groupIds();
        if (ids.isEmpty()) {
            return endpoint.id() + ", which has no security group";
        }
        return (ids.size() == 1 ? "group " : "groups ") + ids.stream().map(id -> groups.get(id).name()).collect(Collectors.joining(", "));
    }

    private static Answer route(String reason) {
        return new Answer.Unreachable(Optional.empty(), Answer.Hop.ROUTE, reason);
    }

    private static Cidr single(IpAddress address) {
        return new Cidr(address, address.family().bits());
    }

    private static Cidr anyOf(IpAddress address) {
        return new Cidr(IpAddress.parse(address.family() == Family.IPV4 ? "0.0.0.0" : "::"), 0);
    }

    /** The other side as a rule sees it: an address, a range, or a workload whose addresses are not known. */
    private static String shown(Cidr range, Node member) {
        if (member != null && !member.endpoint().addressKnown()) {
            return member.endpoint().kind().name().toLowerCase(java.util.Locale.ROOT) + " " + member.endpoint().id()
                    + " (any address: only its groups or a rule open to " + range + " match)";
        }
        return range.prefix() == range.family().bits() ? range.network().toString() : range.toString();
    }

    private static String familyName(IpAddress address) {
        return address.family() == Family.IPV4 ? "IPv4" : "IPv6";
    }

    private Peer peer(String id) {
        Peer peer = peers.get(id);
        if (peer == null) {
            throw new IllegalArgumentException("no endpoint " + id);
        }
        return peer;
    }

    private Node node(Endpoint endpoint) {
        Node node = nodes.get(endpoint.id());
        if (node == null || (node.endpoint() != endpoint && !node.endpoint().equals(endpoint))) {
            throw new IllegalArgumentException("endpoint " + endpoint.id() + " is not the one in the topology");
        }
        return node;
    }

    private static long pair(int a, int b) {
        return ((long) Math.min(a, b) << 32) | Math.max(a, b);
    }

    private static Map<String, Integer> indexOf(List<String> ids) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < ids.size(); i++) {
            index.put(ids.get(i), i);
        }
        return index;
    }
}
