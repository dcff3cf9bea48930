package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * EC2 has no operation objects: a call is accepted and the resource changes state. So a
 * handle's operation id is "KIND:resource-id[:argument]" (the argument is the target of a
 * resize or an association) and polling looks at the resource — no state in the connector,
 * which is what lets a restarted service poll handles it stored before.
 */
final class Ec2Operations {
    /**
     * EC2 is eventually consistent: a resource just created may be invisible to Describe* for
     * a while. Within this window "absent" means "not yet"; after it, the create failed.
     */
    static final Duration VISIBILITY_GRACE = Duration.ofMinutes(5);

    private final String provider;
    private final Clock clock;

    Ec2Operations(String provider, Clock clock) {
        this.provider = provider;
        this.clock = clock;
    }

    OperationHandle accepted(OperationKind kind, ResourceType type, String id, String region,
                             Optional<IdempotencyToken> token, Optional<String> argument) {
        String operationId = kind.name() + ":" + id + argument.map(value -> ":" + value).orElse("");
        return new OperationHandle(provider, operationId, kind, new ResourceRef(type, id, region), token, clock.instant());
    }

    static Optional<String> argument(OperationHandle handle) {
        String[] parts = handle.operationId().split(":", 3);
        return parts.length == 3 ? Optional.of(parts[2]) : Optional.empty();
    }

    OperationStatus inProgress(OperationHandle handle, String detail) {
        return new OperationStatus.InProgress(handle, detail);
    }

    OperationStatus succeeded(OperationHandle handle) {
        return new OperationStatus.Succeeded(handle, clock.instant());
    }

    OperationStatus failed(OperationHandle handle, ProviderException error) {
        return new OperationStatus.Failed(handle, clock.instant(), error);
    }

    /** What polling a create says when the resource cannot be seen (yet). */
    OperationStatus createdButNotVisible(OperationHandle handle) {
        if (clock.instant().isBefore(handle.acceptedAt().plus(VISIBILITY_GRACE))) {
            return inProgress(handle, "not yet visible");
        }
        var resource = handle.resource();
        return failed(handle, new ResourceNotFound(provider, resource.type(), resource.id(),
                resource.type().name().toLowerCase().replace('_', ' ') + " " + resource.id()
                        + " was accepted but never appeared in " + resource.region()));
    }

    /** Polling a handle another provider issued is a caller mistake the SPI calls "not found". */
    void requireOwn(OperationHandle handle) {
        if (!handle.provider().equals(provider)) {
            throw new ResourceNotFound(provider, ResourceType.OPERATION, handle.operationId(),
                    "operation " + handle.operationId() + " was issued by " + handle.provider() + ", not " + provider);
        }
    }
}
