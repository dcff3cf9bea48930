package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.Objects;

/** A half-open interval [start, end) of billed time. */
public record UsagePeriod(Instant start, Instant end) {
    public UsagePeriod {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!start.isBefore(end)) {
            throw new IllegalArgumentException("a usage period ends after it starts: " + start + " .. " + end);
        }
    }
}
