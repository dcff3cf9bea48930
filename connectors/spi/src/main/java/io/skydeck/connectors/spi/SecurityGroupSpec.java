package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A security group with its first rules. {@code networkId} is required by AWS (the VPC) and
 * ignored by Neutron.
 */
public record SecurityGroupSpec(String name, String region, String description, Optional<String> networkId,
                                List<SecurityRule> rules, Map<String, String> tags) {
    public SecurityGroupSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(networkId, "networkId");
        rules = List.copyOf(rules);
        tags = Map.copyOf(tags);
    }
}
