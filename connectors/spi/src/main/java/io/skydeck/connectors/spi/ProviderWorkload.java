package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A workload as the provider sees it; {@code id} is unique in the provider ("namespace/name"). */
public record ProviderWorkload(
        String id,
        String name,
        String region,
        Optional<String> zone,
        String namespace,
        WorkloadKind kind,
        String image,
        int desiredReplicas,
        int readyReplicas,
        ContainerResources perReplica,
        WorkloadStatus status,
        Optional<IdempotencyToken> token,
        Map<String, String> labels,
        Instant createdAt) {

    public ProviderWorkload {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(perReplica, "perReplica");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(token, "token");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
