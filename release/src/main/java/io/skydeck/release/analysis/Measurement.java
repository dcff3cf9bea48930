package io.skydeck.release.analysis;

import java.util.Objects;

/**
 * A metric's value over the analysis window and the number of requests it stands on
 * ({@code NaN}: no value). A source that could not measure says why in {@code why}, so the
 * inconclusive result a person is asked to look at names the cause (a query error, a server
 * that did not answer) rather than just "no measurement".
 */
public record Measurement(Metric metric, double value, long samples, String why) {
    public Measurement {
        Objects.requireNonNull(metric, "metric");
    }

    public Measurement(Metric metric, double value, long samples) {
        this(metric, value, samples, null);
    }

    /** No value, and the reason the source has none. */
    public static Measurement none(Metric metric, String why) {
        return new Measurement(metric, Double.NaN, 0, Objects.requireNonNull(why, "why"));
    }
}
