package io.skydeck.release.switchover;

/** Which of a two-group release's groups an instance belongs to. */
public enum Role {
    /** Serves users when the release starts, with the previous version ("blue"). */
    LIVE,
    /** Gets the new version out of traffic ("green", the dark deployment, the A/B variant). */
    STANDBY
}
