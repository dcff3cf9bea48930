package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.policy.Direction;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityRule;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every rule of every attached group, read straight from the policy records: the baseline the index is measured against. */
final class ScannedRules implements RuleMatcher {

    private final Map<String, SecurityGroup> groups;

    ScannedRules(List<SecurityGroup> groups) {
        this.groups = groups.stream().collect(Collectors.toMap(SecurityGroup::id, Function.identity()));
    }

    @Override
    public DecidingRule firstAllowing(Reachability.Node self, Direction direction, Traffic traffic, Cidr peerRange,
                                      Reachability.Node peerMember) {
        for (String groupId : self.endpoint().groupIds()) {
            SecurityGroup group = groups.get(groupId);
            List<SecurityRule> rules = group.rules();
            for (int i = 0; i < rules.size(); i++) {
                SecurityRule rule = rules.get(i);
                if (rule.direction() == direction
                        && (rule.protocol() == Protocol.ANY || rule.protocol() == traffic.protocol())
                        && (!traffic.protocol().hasPorts() || rule.ports().contains(traffic.port()))
                        && matches(rule.remote(), peerRange, peerMember)) {
                    return new DecidingRule(group.id(), group.name(), i, rule);
                }
            }
        }
        return null;
    }

    private static boolean matches(Remote remote, Cidr peerRange, Reachability.Node peerMember) {
        if (remote instanceof Remote.Range range) {
            return range.cidr().contains(peerRange);
        }
        return peerMember != null && peerMember.endpoint().groupIds().contains(((Remote.Group) remote).groupId());
    }
}
