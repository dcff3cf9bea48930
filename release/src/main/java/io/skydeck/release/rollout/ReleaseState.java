package io.skydeck.release.rollout;

/** Where a release is in the Tars flow. */
public enum ReleaseState {
    /** The bastion (the first instance) is pulled out, gets the version and its ignition check. */
    SMOKING,
    /** The bastion's smoke failed: nothing else starts; a person rolls back or aborts. */
    SMOKE_FAILED,
    /** The bastion passed; a person tests it, pulls it into traffic, watches, then approves or rolls back. */
    BAKING,
    /** The rest of the group, batch after batch, instances of a batch in parallel. */
    ROLLING,
    /**
     * A batch settled and the release holds before the next one (or before it succeeds) until its
     * gate — an analysis, a canary step's weight, pause and analysis — lets it go on, rolls it back
     * or hands it to a person (then it is {@code PAUSED}; resuming brings it back here).
     */
    HOLDING,
    /** A person paused: running steps finish, nothing new starts. */
    PAUSED,
    /** Too many instances failed, or too few are left in traffic: nothing new starts until a person continues or rolls back. */
    BRAKED,
    /** Blue-green, dark and A/B: the standby group gets the version while it is out of traffic. */
    DEPLOYING,
    /** Dark: the standby group runs the version and takes no traffic; a person promotes it or rolls back. */
    DEPLOYED_DARK,
    /** A/B: requests carrying the test's header are being routed to the standby group, which is pulled in. */
    ROUTING,
    /** A/B: requests carrying the header reach the standby group, all others the live one; a person promotes or rolls back. */
    TESTING,
    /** The standby group is pulled in, then the live group pulled out: all traffic moves to the version. */
    SWITCHING,
    /** The standby group serves everything; the old live group keeps the previous version, out of traffic, until approved. */
    SWITCHED,
    /** Every instance the release touched gets the previous version back. */
    ROLLING_BACK,
    SUCCEEDED,
    ROLLED_BACK,
    /** Stopped by a person where it stood. */
    ABORTED;

    public boolean finished() {
        return this == SUCCEEDED || this == ROLLED_BACK || this == ABORTED;
    }
}
