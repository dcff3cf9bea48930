package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A server as the provider sees it. {@code token} is present when the server was created with
 * an idempotency token (by Skydeck); a server without one was made by someone else, which is
 * what drift detection reports as an orphan candidate.
 */
public record ProviderServer(
        String id,
        String name,
        String region,
        String zone,
        Optional<String> host,
        String flavorId,
        String imageId,
        ServerStatus status,
        String providerStatus,
        Optional<IdempotencyToken> token,
        List<String> addresses,
        Map<String, String> tags,
        Instant createdAt) {

    public ProviderServer {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(flavorId, "flavorId");
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(providerStatus, "providerStatus");
        Objects.requireNonNull(token, "token");
        addresses = List.copyOf(addresses);
        tags = Map.copyOf(tags);
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
