package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

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
     * {@code server} is the server as the provider shows it after the work, when the connector
     * read it (a resize may have moved it to another host); empty when it has nothing to say.
     */
    record Succeeded(OperationHandle handle, Instant finishedAt, Optional<ProviderServer> server) implements OperationStatus {
        public Succeeded {
            Objects.requireNonNull(handle, "handle");
            Objects.requireNonNull(finishedAt, "finishedAt");
            Objects.requireNonNull(server, "server");
        }

        public Succeeded(OperationHandle handle, Instant finishedAt) {
            this(handle, finishedAt, Optional.empty());
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
