package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A network as the provider shows it. {@code ipv6Cidr} is its IPv6 range once the provider holds
 * one: where the provider chooses the range itself (AWS's Amazon-provided /56, see
 * {@link Networks#assignsIpv6Range()}) this is the only place the service learns it.
 */
public record ProviderNetwork(String id, String name, String region, Optional<String> cidr,
                              Optional<IdempotencyToken> token, Map<String, String> tags, Optional<String> ipv6Cidr) {
    public ProviderNetwork {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(cidr, "cidr");
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
        Objects.requireNonNull(ipv6Cidr, "ipv6Cidr");
    }

    /** IPv4 only, or a provider that does not say. */
    public ProviderNetwork(String id, String name, String region, Optional<String> cidr,
                           Optional<IdempotencyToken> token, Map<String, String> tags) {
        this(id, name, region, cidr, token, tags, Optional.empty());
    }
}
