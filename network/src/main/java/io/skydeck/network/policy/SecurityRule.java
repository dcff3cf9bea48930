package io.skydeck.network.policy;

import java.util.Objects;

/**
 * One allow rule. A TCP or UDP rule without explicit ports allows every port ({@link PortRange#ALL});
 * ICMP and ANY rules carry no ports, which is {@code ALL} here too, so matching never special-cases
 * them.
 */
public record SecurityRule(Direction direction, Protocol protocol, PortRange ports, Remote remote) {

    public SecurityRule {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(remote, "remote");
        if (!protocol.hasPorts() && !ports.equals(PortRange.ALL)) {
            throw new IllegalArgumentException(protocol.label() + " takes no ports");
        }
    }

    public static SecurityRule ingress(Protocol protocol, PortRange ports, Remote remote) {
        return new SecurityRule(Direction.INGRESS, protocol, ports, remote);
    }

    public static SecurityRule egress(Protocol protocol, PortRange ports, Remote remote) {
        return new SecurityRule(Direction.EGRESS, protocol, ports, remote);
    }

    /** "ingress tcp/5432 from 10.0.0.0/16", "egress any to group g-web". */
    @Override
    public String toString() {
        String what = protocol.hasPorts() && !ports.equals(PortRange.ALL) ? protocol.label() + "/" + ports
                : protocol == Protocol.ANY ? "all traffic" : protocol.label();
        return direction.label() + " " + what + (direction == Direction.INGRESS ? " from " : " to ") + remote;
    }
}
