package io.skydeck.release.analysis;

/** What a check looks at, and which way is good. */
public enum Metric {
    /** Share of requests answered without a server error, 0..1; higher is better. */
    SUCCESS_RATE(true),
    /** 99th percentile latency in milliseconds; lower is better. */
    P99_LATENCY_MS(false),
    /** Errors counted over the window; lower is better. */
    ERROR_COUNT(false);

    private final boolean higherIsBetter;

    Metric(boolean higherIsBetter) {
        this.higherIsBetter = higherIsBetter;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }
}
