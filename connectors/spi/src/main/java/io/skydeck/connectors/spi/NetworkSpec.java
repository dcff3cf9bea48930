package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A tenant network (Neutron network, AWS VPC). AWS needs the CIDR here; Neutron takes it per subnet.
 * {@code ipv6Cidr} asks for IPv6 too: the tenant's range where the provider takes one (Neutron
 * subnets are carved from it), or empty with {@code ipv6} true where the provider chooses the block
 * itself (AWS's Amazon-provided /56). A provider without IPv6 networks refuses a spec asking for it.
 */
public record NetworkSpec(String name, String region, Optional<String> cidr, Map<String, String> tags,
                          boolean ipv6, Optional<String> ipv6Cidr) {
    public NetworkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(cidr, "cidr");
        tags = Map.copyOf(tags);
        Objects.requireNonNull(ipv6Cidr, "ipv6Cidr");
        if (ipv6Cidr.isPresent() && !ipv6) {
            throw new IllegalArgumentException("an IPv6 range " + ipv6Cidr.get() + " on a network without IPv6");
        }
    }

    /** IPv4 only. */
    public NetworkSpec(String name, String region, Optional<String> cidr, Map<String, String> tags) {
        this(name, region, cidr, tags, false, Optional.empty());
    }
}
