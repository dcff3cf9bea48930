package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

public record ProviderSubnet(String id, String networkId, String name, String region, String cidr,
                             Optional<String> zone, Optional<IdempotencyToken> token, Map<String, String> tags) {
    public ProviderSubnet {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
    }
}
