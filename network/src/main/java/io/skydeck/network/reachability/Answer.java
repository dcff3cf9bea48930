package io.skydeck.network.reachability;

import java.util.Optional;

/** What {@link Reachability#analyze} concludes. */
public sealed interface Answer {

    boolean reachable();

    /** The path the flow takes, or would take if a rule let it; empty when there is none. */
    Optional<Path> path();

    /**
     * Allowed. Each side's deciding rule is present when that side is an endpoint of ours; an
     * external range has no rules.
     */
    record Reachable(Path via, Optional<DecidingRule> egress, Optional<DecidingRule> ingress) implements Answer {
        public boolean reachable() {
            return true;
        }

        public Optional<Path> path() {
            return Optional.of(via);
        }
    }

    /** Stopped at {@code hop}, for {@code reason} ("no ingress rule allows tcp/5432 from 10.0.1.5 on group db"). */
    record Unreachable(Optional<Path> path, Hop hop, String reason) implements Answer {
        public boolean reachable() {
            return false;
        }
    }

    /** Where a flow is stopped: no route, or the source's egress rules, or the destination's ingress rules. */
    enum Hop { ROUTE, SOURCE_EGRESS, DESTINATION_INGRESS }
}
