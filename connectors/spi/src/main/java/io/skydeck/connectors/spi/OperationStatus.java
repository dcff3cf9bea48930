package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.Objects;

/** Where an accepted operation stands. Succeeded and Failed are final. */
public sealed interface OperationStatus {

    OperationHandle handle();

    default boolean isFinished() {
        return !(this instanceof InProgress);
    }

    /** Still running; {@code detail} is the provider's own word for it ("BUILD", "pending"). */
    record InProgress(OperationHandle handle, String detail) implements OperationStatus {
        public InProgress {
            Objects.requireNonNull(handle, "handle");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /**
     * Done. {@code finishedAt} is when the provider says it finished, or when the connector first
     * saw it finished if the provider does not say; lifecycle events and metering start there.
     */
    record Succeeded(OperationHandle handle, Instant finishedAt) implements OperationStatus {
        public Succeeded {
            Objects.requireNonNull(handle, "handle");
            Objects.requireNonNull(finishedAt, "finishedAt");
        }
    }

    /** The provider gave up; {@code error} carries its message. */
    record Failed(OperationHandle handle, Instant finishedAt, ProviderException error) implements OperationStatus {
        public Failed {
            Objects.requireNonNull(handle, "handle");
            Objects.requireNonNull(finishedAt, "finishedAt");
            Objects.requireNonNull(error, "error");
        }
    }
}
