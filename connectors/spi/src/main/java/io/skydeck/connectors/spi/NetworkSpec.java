package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A tenant network (Neutron network, AWS VPC). AWS needs the CIDR here; Neutron takes it per subnet. */
public record NetworkSpec(String name, String region, Optional<String> cidr, Map<String, String> tags) {
    public NetworkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(cidr, "cidr");
        tags = Map.copyOf(tags);
    }
}
