package io.skydeck.connectors.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * What one instance served over a window, as release analysis reads it: requests, errors and the
 * 99th-percentile latency, for the artifact the instance runs at the end of the window.
 */
public record TrafficMeasurement(String instanceId, String artifact, Instant from, Instant to, long requests, long errors,
                                 Duration p99) {

    public TrafficMeasurement {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(artifact, "artifact");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(p99, "p99");
        if (errors < 0 || errors > requests) {
            throw new IllegalArgumentException("errors are 0 to " + requests + ": " + errors);
        }
    }

    /** Share of requests answered without error, 0 to 1; 1 when there were none. */
    public double successRate() {
        return requests == 0 ? 1.0 : (double) (requests - errors) / requests;
    }
}
