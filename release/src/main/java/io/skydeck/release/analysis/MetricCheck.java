package io.skydeck.release.analysis;

import java.util.Objects;

/**
 * One check of an analysis: the metric must be at least ({@link Metric#higherIsBetter()}) or at
 * most {@code limit}, judged only on {@code minimumSamples} requests or more — fewer are
 * inconclusive, never a pass.
 */
public record MetricCheck(String name, Metric metric, double limit, long minimumSamples) {
    public MetricCheck {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(metric, "metric");
        if (Double.isNaN(limit) || Double.isInfinite(limit)) {
            throw new IllegalArgumentException("checks[" + name + "].limit: " + limit + " is not a number");
        }
        if (metric == Metric.SUCCESS_RATE && (limit < 0 || limit > 1)) {
            throw new IllegalArgumentException("checks[" + name + "].limit: a success rate is between 0 and 1, not " + limit);
        }
        if (minimumSamples < 0) {
            throw new IllegalArgumentException("checks[" + name + "].minimumSamples: " + minimumSamples + " is negative");
        }
    }

    /** Judges one measurement; {@code null} (the source had nothing) is inconclusive. */
    public CheckResult judge(Measurement m) {
        if (m == null || Double.isNaN(m.value())) {
            String why = "no measurement of " + metric + (m == null || m.why() == null ? "" : ": " + m.why());
            return new CheckResult(this, Verdict.INCONCLUSIVE, Double.NaN, 0, why);
        }
        if (m.samples() < minimumSamples) {
            return new CheckResult(this, Verdict.INCONCLUSIVE, m.value(), m.samples(),
                    m.samples() + " requests, fewer than the " + minimumSamples + " this check needs");
        }
        boolean good = metric.higherIsBetter() ? m.value() >= limit : m.value() <= limit;
        return new CheckResult(this, good ? Verdict.SUCCESSFUL : Verdict.FAILED, m.value(), m.samples(),
                metric + " " + m.value() + (good ? " within " : " beyond ") + (metric.higherIsBetter() ? "≥ " : "≤ ") + limit);
    }
}
