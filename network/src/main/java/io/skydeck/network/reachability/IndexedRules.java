package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.Family;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.Direction;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Rules compiled per group into one bucket per direction and asked-for protocol (an ANY rule sits in
 * every protocol's bucket, so the question "all traffic" finds only ANY rules), each bucket a few
 * parallel primitive arrays: ports, remote range as network and mask, or remote group as an index.
 * A query touches only the buckets of the endpoint's groups for its direction and protocol, and
 * compares longs and ints without allocating. Buckets keep rule order, so the deciding rule is the
 * same the scan finds. There is no per-port structure: a group holds tens of rules, and two int
 * compares per rule cost less than a search would.
 */
final class IndexedRules implements RuleMatcher {

    private static final int PROTOCOLS = Protocol.values().length;

    private final SecurityGroup[] groups;
    private final Bucket[] buckets;

    /** {@code groups} in the order whose positions {@link Reachability.Node#groups()} holds. */
    IndexedRules(List<SecurityGroup> groups, Map<String, Integer> groupIndex) {
        this.groups = groups.toArray(SecurityGroup[]::new);
        this.buckets = new Bucket[this.groups.length * 2 * PROTOCOLS];
        for (int g = 0; g < this.groups.length; g++) {
            for (Direction direction : Direction.values()) {
                for (Protocol asked : Protocol.values()) {
                    List<Integer> picked = new ArrayList<>();
                    List<SecurityRule> rules = this.groups[g].rules();
                    for (int i = 0; i < rules.size(); i++) {
                        SecurityRule rule = rules.get(i);
                        if (rule.direction() == direction && (rule.protocol() == Protocol.ANY || rule.protocol() == asked)) {
                            picked.add(i);
                        }
                    }
                    buckets[slot(g, direction, asked)] = new Bucket(rules, picked, groupIndex);
                }
            }
        }
    }

    private static int slot(int group, Direction direction, Protocol asked) {
        return (group * 2 + direction.ordinal()) * PROTOCOLS + asked.ordinal();
    }

    @Override
    public DecidingRule firstAllowing(Reachability.Node self, Direction direction, Traffic traffic, Cidr peerRange,
                                      Reachability.Node peerMember) {
        IpAddress network = peerRange.network();
        int family = network.family().ordinal();
        int[] memberOf = peerMember == null ? null : peerMember.groups();
        boolean checkPorts = traffic.protocol().hasPorts();
        for (int g : self.groups()) {
            Bucket b = buckets[slot(g, direction, traffic.protocol())];
            for (int k = 0; k < b.size; k++) {
                if (checkPorts && (traffic.port() < b.portFrom[k] || traffic.port() > b.portTo[k])) {
                    continue;
                }
                int remoteGroup = b.remoteGroup[k];
                boolean match = remoteGroup >= 0
                        ? memberOf != null && contains(memberOf, remoteGroup)
                        : b.family[k] == family && peerRange.prefix() >= b.prefix[k]
                        && (network.hi() & b.maskHi[k]) == b.netHi[k] && (network.lo() & b.maskLo[k]) == b.netLo[k];
                if (match) {
                    SecurityGroup group = groups[g];
                    return new DecidingRule(group.id(), group.name(), b.ruleIndex[k], group.rules().get(b.ruleIndex[k]));
                }
            }
        }
        return null;
    }

    private static boolean contains(int[] values, int value) {
        for (int v : values) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }

    private static final class Bucket {
        final int size;
        final int[] ruleIndex;
        final int[] portFrom;
        final int[] portTo;
        /** The remote group's index, or -1 for a remote range. */
        final int[] remoteGroup;
        final int[] family;
        final int[] prefix;
        final long[] netHi;
        final long[] netLo;
        final long[] maskHi;
        final long[] maskLo;

        Bucket(List<SecurityRule> rules, List<Integer> picked, Map<String, Integer> groupIndex) {
            size = picked.size();
            ruleIndex = new int[size];
            portFrom = new int[size];
            portTo = new int[size];
            remoteGroup = new int[size];
            family = new int[size];
            prefix = new int[size];
            netHi = new long[size];
            netLo = new long[size];
            maskHi = new long[size];
            maskLo = new long[size];
            for (int k = 0; k < size; k++) {
                SecurityRule rule = rules.get(picked.get(k));
                ruleIndex[k] = picked.get(k);
                portFrom[k] = rule.ports().from();
                portTo[k] = rule.ports().to();
                if (rule.remote() instanceof Remote.Group group) {
                    remoteGroup[k] = groupIndex.get(group.groupId());
                } else {
                    Cidr cidr = ((Remote.Range) rule.remote()).cidr();
                    remoteGroup[k] = -1;
                    family[k] = cidr.family().ordinal();
                    prefix[k] = cidr.prefix();
                    netHi[k] = cidr.first().hi();
                    netLo[k] = cidr.first().lo();
                    // The host bits are exactly those in which the first and last address differ.
                    long width = cidr.family() == Family.IPV4 ? 0xFFFF_FFFFL : -1L;
                    maskHi[k] = ~(cidr.first().hi() ^ cidr.last().hi());
                    maskLo[k] = ~(cidr.first().lo() ^ cidr.last().lo()) & width;
                }
            }
        }
    }
}
