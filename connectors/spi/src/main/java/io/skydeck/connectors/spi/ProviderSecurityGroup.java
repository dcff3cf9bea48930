package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

public record ProviderSecurityGroup(String id, String name, String region, String description,
                                    Optional<String> networkId, List<ProviderSecurityRule> rules,
                                    Optional<IdempotencyToken> token, Map<String, String> tags) {
    public ProviderSecurityGroup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(networkId, "networkId");
        rules = List.copyOf(rules);
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
    }
}
