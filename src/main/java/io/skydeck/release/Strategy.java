package io.skydeck.release;

/**
 * The six ways of the seed's continuous delivery. ROLLING is the Tars flow and RECREATE the same
 * flow with one batch, no bastion and no online minimum (the library's {@code Rollout}); CANARY
 * steps by traffic weight or instance count with pauses and analysis (see {@link CanarySpec});
 * BLUE_GREEN, DARK and AB_TEST install the version on a standby group beside the live one (the
 * library's {@code Switchover}).
 */
public enum Strategy {
    ROLLING, BLUE_GREEN, CANARY, DARK, AB_TEST, RECREATE;

    /** Whether the release installs onto a standby group instead of the group itself. */
    public boolean twoGroups() {
        return this == BLUE_GREEN || this == DARK || this == AB_TEST;
    }
}
