package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A public address to allocate: a Neutron floating IP (from {@code pool}, the external
 * network) or an EC2 Elastic IP (no pool).
 */
public record PublicIpSpec(String region, Optional<String> pool, Map<String, String> tags) {
    public PublicIpSpec {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(pool, "pool");
        tags = Map.copyOf(tags);
    }
}
