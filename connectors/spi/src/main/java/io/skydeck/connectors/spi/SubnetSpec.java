package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A subnet of a network; AWS subnets live in one zone, Neutron subnets in none. {@code ipv6Cidr}
 * (a /64 of the network's IPv6 range) makes it dual-stack: a second Neutron subnet (ip_version 6)
 * beside the IPv4 one, an associated IPv6 block on an AWS subnet.
 */
public record SubnetSpec(String networkId, String name, String cidr, Optional<String> zone, Map<String, String> tags,
                         Optional<String> ipv6Cidr) {
    public SubnetSpec {
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(zone, "zone");
        tags = Map.copyOf(tags);
        Objects.requireNonNull(ipv6Cidr, "ipv6Cidr");
    }

    /** IPv4 only. */
    public SubnetSpec(String networkId, String name, String cidr, Optional<String> zone, Map<String, String> tags) {
        this(networkId, name, cidr, zone, tags, Optional.empty());
    }
}
