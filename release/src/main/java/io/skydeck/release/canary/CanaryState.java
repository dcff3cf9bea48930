package io.skydeck.release.canary;

/** Where a canary is. */
public enum CanaryState {
    /** The step's weight is being set on the target. */
    SHIFTING,
    /** The step's weight is set; waiting out its pause. */
    WAITING,
    /** The step's weight is set and its pause has no end: a person lets it go on (to its analysis, if it has one). */
    HELD,
    /** The step's analysis is running. */
    ANALYSING,
    /** An analysis was inconclusive (or a person paused): a person decides; nothing promotes by itself. */
    PAUSED,
    /** An analysis failed, or a person asked: the traffic goes back to the stable version. */
    ROLLING_BACK,
    /** Every step passed: all traffic goes to the new version. */
    PROMOTING,
    PROMOTED,
    ROLLED_BACK;

    public boolean finished() {
        return this == PROMOTED || this == ROLLED_BACK;
    }
}
