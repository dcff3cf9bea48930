package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Proof that a provider accepted a request, and everything needed to poll it later — also from
 * a restarted service, which is why this is a plain value of strings and enums. The
 * {@code operationId} is opaque and connector-defined: the sandbox's operation id, a Nova
 * request id, or simply the kind and resource id when the cloud has no operation object.
 */
public record OperationHandle(
        String provider,
        String operationId,
        OperationKind kind,
        ResourceRef resource,
        Optional<IdempotencyToken> token,
        Instant acceptedAt) {

    public OperationHandle {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(operationId, "operationId");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(acceptedAt, "acceptedAt");
    }
}
