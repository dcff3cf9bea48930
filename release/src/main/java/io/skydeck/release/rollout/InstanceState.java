package io.skydeck.release.rollout;

/** Where one instance of a release is. */
public enum InstanceState {
    /** Not touched yet: the previous version, in traffic. */
    WAITING(true),
    /** Steps of the new version are running. */
    UPDATING(false),
    /** The bastion: the new version passed its ignition check, out of traffic until a person pulls it in. */
    VERIFIED(false),
    /** The new version, in traffic. */
    DONE(true),
    /** A step of the new version failed; the instance stays out of traffic. */
    FAILED(false),
    /** Steps of the rollback are running. */
    REVERTING(false),
    /** The previous version is back, in traffic. */
    REVERTED(true),
    /** A step of the rollback failed; out of traffic, for a person to look at. */
    REVERT_FAILED(false),
    /**
     * Out of traffic on purpose, whatever it runs: the old live group after a blue-green switch
     * (kept with the previous version for a rollback), the standby group after a rollback.
     */
    STANDBY(false);

    private final boolean inTraffic;

    InstanceState(boolean inTraffic) {
        this.inTraffic = inTraffic;
    }

    /** Whether the instance takes traffic in this state (one running steps is counted out: it may be pulled out at any moment). */
    public boolean inTraffic() {
        return inTraffic;
    }

    /** Whether nothing more happens to the instance unless the release is rolled back. */
    public boolean settled() {
        return this == DONE || this == FAILED || this == REVERTED || this == REVERT_FAILED || this == STANDBY;
    }
}
