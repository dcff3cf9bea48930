package io.skydeck.network.reachability;

import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityRule;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything reachability looks at, checked for consistency when built: ids are unique, every
 * reference resolves, and an endpoint's private address lies in its subnet (when it has one). The service builds it
 * from its records, so an inconsistency is a bug there, reported as {@link IllegalArgumentException}.
 */
public record Topology(List<Vpc> vpcs, List<Link> links, List<SecurityGroup> groups, List<Peer> peers) {

    public Topology {
        vpcs = List.copyOf(vpcs);
        links = List.copyOf(links);
        groups = List.copyOf(groups);
        peers = List.copyOf(peers);
        Map<String, Vpc> vpcById = unique("VPC", vpcs, Vpc::id);
        Map<String, Subnet> subnetById = unique("subnet", vpcs.stream().flatMap(v -> v.subnets().stream()).toList(), Subnet::id);
        Map<String, SecurityGroup> groupById = unique("security group", groups, SecurityGroup::id);
        unique("link", links, Link::id);
        unique("endpoint", peers, Peer::id);
        for (Link link : links) {
            for (String vpc : List.of(link.vpcA(), link.vpcB())) {
                require(vpcById.containsKey(vpc), "link " + link.id() + " names unknown VPC " + vpc);
            }
        }
        for (SecurityGroup group : groups) {
            for (SecurityRule rule : group.rules()) {
                if (rule.remote() instanceof Remote.Group g) {
                    require(groupById.containsKey(g.groupId()), "group " + group.id() + " names unknown group " + g.groupId());
                }
            }
        }
        for (Peer peer : peers) {
            if (peer instanceof Endpoint e) {
                Vpc vpc = vpcById.get(e.vpcId());
                require(vpc != null, "endpoint " + e.id() + " names unknown VPC " + e.vpcId());
                if (e.addressKnown()) {
                    Subnet subnet = subnetById.get(e.subnetId().get());
                    require(subnet != null && vpc.subnets().contains(subnet), "endpoint " + e.id() + ": subnet " + e.subnetId().get()
                            + " is not in VPC " + e.vpcId());
                    require(subnet.cidr().contains(e.privateAddress()), "endpoint " + e.id() + ": " + e.privateAddress() + " is outside subnet " + subnet.cidr());
                }
                for (String group : e.groupIds()) {
                    require(groupById.containsKey(group), "endpoint " + e.id() + " names unknown group " + group);
                }
            }
        }
    }

    private static <T> Map<String, T> unique(String what, List<T> items, Function<T, String> id) {
        Map<String, T> byId = new HashMap<>();
        for (T item : items) {
            require(byId.putIfAbsent(id.apply(item), item) == null, "two of " + what + " " + id.apply(item));
        }
        return byId;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
