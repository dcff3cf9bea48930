package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A subnet of a network; AWS subnets live in one zone, Neutron subnets in none. */
public record SubnetSpec(String networkId, String name, String cidr, Optional<String> zone, Map<String, String> tags) {
    public SubnetSpec {
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(zone, "zone");
        tags = Map.copyOf(tags);
    }
}
