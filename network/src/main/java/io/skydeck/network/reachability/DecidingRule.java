package io.skydeck.network.reachability;

import io.skydeck.network.policy.SecurityRule;

/** The rule that allowed a hop: its group (id and name) and its place in the group's rules. */
public record DecidingRule(String groupId, String groupName, int ruleIndex, SecurityRule rule) {

    /** "group web rules[2]: egress tcp/5432 to 10.0.0.0/16". */
    @Override
    public String toString() {
        return "group " + groupName + " rules[" + ruleIndex + "]: " + rule;
    }
}
