package io.skydeck.connectors.kubernetes;

import io.skydeck.connectors.spi.WorkloadStatus;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a workload's controller reports, reduced to what Skydeck needs: the SPI status, the
 * controller's own words for it, the replica counts, and the generation the controller has
 * caught up with (an operation is only done once the controller has seen its change).
 *
 * @param reason         the condition reason behind a FAILED status ("ProgressDeadlineExceeded", "FailedCreate")
 * @param availableSince when the Available condition last became True, if the controller says
 */
record ControllerState(WorkloadStatus status, String detail, int desiredReplicas, int readyReplicas,
                       long observedGeneration, Optional<String> reason, Optional<Instant> availableSince) {
    ControllerState {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(availableSince, "availableSince");
    }
}
