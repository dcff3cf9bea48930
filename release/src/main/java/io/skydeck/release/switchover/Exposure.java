package io.skydeck.release.switchover;

/** How the standby group meets users once it runs the new version and passed its checks. */
public enum Exposure {
    /** BLUE_GREEN: all traffic moves to it at once, by itself. */
    SWITCH,
    /** DARK: none, until a person promotes it (then as {@link #SWITCH}). */
    DARK,
    /** AB_TEST: the requests carrying a header, until a person promotes it (then as {@link #SWITCH}). */
    HEADER
}
