package io.skydeck.network.policy;

/** Which way a rule lets traffic start: into the group's members or out of them. */
public enum Direction {
    INGRESS,
    EGRESS;

    /** "ingress" or "egress", as tenants write it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
