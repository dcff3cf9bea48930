package io.skydeck.network.reachability;

import io.skydeck.network.policy.PortRange;
import io.skydeck.network.policy.Protocol;

import java.util.Objects;

/**
 * What is sent: a TCP or UDP port, ICMP, or {@code ANY} — "all traffic", which only an ANY rule
 * allows. ICMP and ANY have no port ({@link #NO_PORT}).
 */
public record Traffic(Protocol protocol, int port) {

    public static final int NO_PORT = -1;

    public Traffic {
        Objects.requireNonNull(protocol, "protocol");
        if (protocol.hasPorts() ? port < 0 || port > PortRange.MAX : port != NO_PORT) {
            throw new IllegalArgumentException(protocol.hasPorts()
                    ? "port " + port + " is outside 0-" + PortRange.MAX : protocol.label() + " has no port");
        }
    }

    public static Traffic tcp(int port) {
        return new Traffic(Protocol.TCP, port);
    }

    public static Traffic udp(int port) {
        return new Traffic(Protocol.UDP, port);
    }

    public static Traffic icmp() {
        return new Traffic(Protocol.ICMP, NO_PORT);
    }

    public static Traffic any() {
        return new Traffic(Protocol.ANY, NO_PORT);
    }

    /** "tcp/5432", "icmp", "all traffic". */
    @Override
    public String toString() {
        return protocol.hasPorts() ? protocol.label() + "/" + port : protocol == Protocol.ANY ? "all traffic" : protocol.label();
    }
}
