package io.skydeck.release.analysis;

import java.util.Objects;

/** A metric's value over the analysis window and the number of requests it stands on ({@code NaN}: no value). */
public record Measurement(Metric metric, double value, long samples) {
    public Measurement {
        Objects.requireNonNull(metric, "metric");
    }
}
