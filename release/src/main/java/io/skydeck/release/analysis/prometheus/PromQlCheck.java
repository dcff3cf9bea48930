package io.skydeck.release.analysis.prometheus;

import io.skydeck.release.analysis.MetricCheck;

import java.util.Objects;

/**
 * A check whose numbers come from Prometheus: {@code valueQuery} yields the metric itself (a
 * success rate between 0 and 1, a p99 in milliseconds, an error count) and {@code samplesQuery}
 * the number of requests it stands on, so a window with too little traffic stays inconclusive
 * instead of passing. Each must come down to one number — aggregate with {@code sum(...)}.
 *
 * <p>A check that asks for no minimum may leave {@code samplesQuery} out; one that does must
 * say how to count, because Prometheus cannot tell how many requests stand behind a ratio.
 */
public record PromQlCheck(MetricCheck check, String valueQuery, String samplesQuery) {
    public PromQlCheck {
        Objects.requireNonNull(check, "check");
        if (valueQuery == null || valueQuery.isBlank()) {
            throw new IllegalArgumentException("checks[" + check.name() + "].query: a Prometheus check needs a PromQL query");
        }
        if (samplesQuery != null && samplesQuery.isBlank()) {
            samplesQuery = null;
        }
        if (samplesQuery == null && check.minimumSamples() > 0) {
            throw new IllegalArgumentException("checks[" + check.name() + "].samplesQuery: a check that needs "
                    + check.minimumSamples() + " requests needs a query that counts them");
        }
    }

    public PromQlCheck(MetricCheck check, String valueQuery) {
        this(check, valueQuery, null);
    }
}
