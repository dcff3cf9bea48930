package io.skydeck.network.policy;

/** Ports {@code from} to {@code to}, both included. */
public record PortRange(int from, int to) {

    public static final int MAX = 65_535;

    /** Every port: what a TCP or UDP rule without ports means, and what ICMP and ANY rules carry. */
    public static final PortRange ALL = new PortRange(0, MAX);

    public PortRange {
        if (from < 0 || to > MAX || from > to) {
            throw new IllegalArgumentException("ports " + from + "-" + to + " are not a range within 0-" + MAX);
        }
    }

    public static PortRange of(int port) {
        return new PortRange(port, port);
    }

    public boolean contains(int port) {
        return port >= from && port <= to;
    }

    @Override
    public String toString() {
        return this.equals(ALL) ? "all ports" : from == to ? Integer.toString(from) : from + "-" + to;
    }
}
