package io.skydeck.network.policy;

import java.util.Locale;

/** The protocols a rule can name; {@code ANY} is all traffic. Only TCP and UDP have ports. */
public enum Protocol {
    TCP,
    UDP,
    ICMP,
    ANY;

    public boolean hasPorts() {
        return this == TCP || this == UDP;
    }

    /** "tcp", "udp", "icmp" or "any", as tenants write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
