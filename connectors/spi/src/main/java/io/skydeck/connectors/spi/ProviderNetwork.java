package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

public record ProviderNetwork(String id, String name, String region, Optional<String> cidr,
                              Optional<IdempotencyToken> token, Map<String, String> tags) {
    public ProviderNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
    }
}
