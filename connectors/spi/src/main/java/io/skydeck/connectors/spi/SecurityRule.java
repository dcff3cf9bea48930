package io.skydeck.connectors.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * One allow rule. {@code portFrom..portTo} is inclusive; ICMP and ANY ignore ports (0..0 by
 * convention).
 *
 * <p>The peer is exactly one of {@code remoteCidr} (a range; "0.0.0.0/0" or "::/0" for
 * anywhere) and {@code remoteGroupId} (another security group, by the provider's id: traffic
 * from or to its members). The rule's IP family follows a CIDR — a family that contradicts it
 * is refused — while a group names no addresses, so a group rule states its family: Neutron
 * keeps an IPv4 and an IPv6 rule apart even for the same group. A null family with a CIDR is
 * read as "follow the CIDR" (state written before rules had a family).
 *
 * <p>Flat rather than a sealed "remote" type so that the value stays a plain record the
 * sandbox's JSON state can hold without type annotations in the SPI.
 */
public record SecurityRule(Direction direction, Protocol protocol, int portFrom, int portTo,
                           Optional<String> remoteCidr, Optional<String> remoteGroupId, IpFamily family) {
    public enum Direction { INGRESS, EGRESS }

    public enum Protocol { TCP, UDP, ICMP, ANY }

    public enum IpFamily {
        IPV4, IPV6;

        /** The family of a CIDR or address: IPv6 is written with colons, IPv4 never is. */
        public static IpFamily of(String cidr) {
            return cidr.indexOf(':') >= 0 ? IPV6 : IPV4;
        }

        public String anywhere() {
            return this == IPV4 ? "0.0.0.0/0" : "::/0";
        }
    }

    public SecurityRule {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(protocol, "protocol");
        remoteCidr = remoteCidr == null ? Optional.empty() : remoteCidr;
        remoteGroupId = remoteGroupId == null ? Optional.empty() : remoteGroupId;
        if (portFrom < 0 || portTo > 65535 || portFrom > portTo) {
            throw new IllegalArgumentException("bad port range " + portFrom + ".." + portTo);
        }
        if (remoteCidr.isPresent() == remoteGroupId.isPresent()) {
            throw new IllegalArgumentException("a rule names exactly one peer, a remote CIDR or a remote security group; got "
                    + remoteCidr.map(c -> "CIDR " + c).orElse("no CIDR") + " and "
                    + remoteGroupId.map(g -> "group " + g).orElse("no group"));
        }
        if (remoteCidr.isPresent()) {
            String cidr = remoteCidr.get();
            if (cidr.isBlank() || cidr.indexOf('/') < 0) {
                throw new IllegalArgumentException("a remote CIDR is an address and a prefix length, like 10.0.0.0/8: " + cidr);
            }
            IpFamily ofCidr = IpFamily.of(cidr);
            if (family != null && family != ofCidr) {
                throw new IllegalArgumentException("the rule says " + family + " but its remote CIDR " + cidr + " is " + ofCidr);
            }
            family = ofCidr;
        } else {
            if (remoteGroupId.get().isBlank()) {
                throw new IllegalArgumentException("a remote security group is named by its id, which is blank");
            }
            Objects.requireNonNull(family, "a rule naming a remote security group states its IP family");
        }
    }

    /** A rule whose peer is a range; the family is the range's. */
    public SecurityRule(Direction direction, Protocol protocol, int portFrom, int portTo, String remoteCidr) {
        this(direction, protocol, portFrom, portTo, Optional.of(Objects.requireNonNull(remoteCidr, "remoteCidr")),
                Optional.empty(), null);
    }

    /** A rule whose peer is the members of another security group, for one IP family. */
    public static SecurityRule withRemoteGroup(Direction direction, Protocol protocol, int portFrom, int portTo,
                                               String remoteGroupId, IpFamily family) {
        return new SecurityRule(direction, protocol, portFrom, portTo, Optional.empty(),
                Optional.of(Objects.requireNonNull(remoteGroupId, "remoteGroupId")), family);
    }

    public static SecurityRule ingressTcp(int port, String remoteCidr) {
        return new SecurityRule(Direction.INGRESS, Protocol.TCP, port, port, remoteCidr);
    }

    public static SecurityRule ingressTcpFromGroup(int port, String remoteGroupId, IpFamily family) {
        return withRemoteGroup(Direction.INGRESS, Protocol.TCP, port, port, remoteGroupId, family);
    }

    /** True when the peer is a range covering every address of the family. */
    public boolean admitsAnywhere() {
        return remoteCidr.map(cidr -> cidr.equals(family.anywhere())).orElse(false);
    }
}
