package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

public record ProviderPublicIp(String id, String address, String region, Optional<String> serverId,
                               Optional<IdempotencyToken> token, Map<String, String> tags) {
    public ProviderPublicIp {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(serverId, "serverId");
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
    }
}
