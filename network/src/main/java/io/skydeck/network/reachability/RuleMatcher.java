package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.policy.Direction;

/** Finds the rule that allows one hop; the indexed one answers queries, the scanning one is the benchmark's baseline. */
interface RuleMatcher {

    /**
     * The first rule — groups in {@code self}'s attachment order, rules in group order — that lets
     * {@code traffic} leave ({@code EGRESS}) or enter ({@code INGRESS}) {@code self} with the other
     * side seen as {@code peerRange}; a remote-group rule counts only if {@code peerMember} is
     * non-null and a member. Null if no rule allows it.
     */
    DecidingRule firstAllowing(Reachability.Node self, Direction direction, Traffic traffic, Cidr peerRange,
                               Reachability.Node peerMember);
}
