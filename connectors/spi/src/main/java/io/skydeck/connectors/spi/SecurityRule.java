package io.skydeck.connectors.spi;

import java.util.Objects;

/**
 * One allow rule. {@code portFrom..portTo} is inclusive; ICMP and ANY ignore ports (0..0 by
 * convention). {@code remoteCidr} is the peer range ("0.0.0.0/0" for anywhere).
 */
public record SecurityRule(Direction direction, Protocol protocol, int portFrom, int portTo, String remoteCidr) {
    public enum Direction { INGRESS, EGRESS }

    public enum Protocol { TCP, UDP, ICMP, ANY }

    public SecurityRule {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(remoteCidr, "remoteCidr");
        if (portFrom < 0 || portTo > 65535 || portFrom > portTo) {
            throw new IllegalArgumentException("bad port range " + portFrom + ".." + portTo);
        }
    }

    public static SecurityRule ingressTcp(int port, String remoteCidr) {
        return new SecurityRule(Direction.INGRESS, Protocol.TCP, port, port, remoteCidr);
    }
}
