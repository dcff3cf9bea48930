package io.skydeck.release;

import java.time.Instant;
import java.util.List;

/** The JSON of a release's analysis and canary: what {@code POST /v1/releases} takes, what a release shows. */
public final class GateViews {

    private GateViews() {
    }

    /**
     * How a release is judged. {@code source}: {@code sandbox} (the simulated traffic of the
     * release's instances that run the new version, over {@code window}) or {@code prometheus}
     * (each check's PromQL, on the server at {@code skydeck.release.analysis.prometheus-url}).
     * {@code window}: ISO-8601, default PT1M (the sandbox's measuring window; a PromQL query names its own).
     */
    public record AnalysisRequest(String source, String window, List<CheckRequest> checks) {
    }

    /**
     * One check: {@code metric} is {@code success-rate} (at least {@code threshold}, 0..1),
     * {@code p99-latency-ms} or {@code error-count} (at most {@code threshold}); fewer than
     * {@code minimumSamples} requests (default 0) are inconclusive. A Prometheus check gives
     * {@code query} (one number) and, when it asks for a minimum, {@code samplesQuery}.
     */
    public record CheckRequest(String metric, Double threshold, Long minimumSamples, String query, String samplesQuery) {
    }

    /**
     * A canary's steps: every step gives either {@code weight} (percent of the traffic to the
     * {@code canaryInstances} first instances of the group, default 1) or {@code instances} (how
     * many of the group run the new version after the step), never a mix. {@code pause}: ISO-8601
     * (default PT0S) or {@code indefinite} (until a person resumes). {@code analyse}: default true
     * when the release has an analysis.
     */
    public record CanaryRequest(List<StepRequest> steps, Integer canaryInstances) {
    }

    public record StepRequest(Integer weight, Integer instances, String pause, Boolean analyse) {
    }

    /** A release's analysis: its checks and every run so far, oldest first. */
    public record AnalysisView(String source, String window, List<AnalysisSpec.Check> checks, List<AnalysisRunView> runs) {
    }

    /** One analysis: after which batch (and canary step), its verdict, and each check's result. */
    public record AnalysisRunView(long id, int batch, int step, String verdict, String summary, List<CheckResultView> checks,
                                  int instances, String actor, Instant measuredAt) {
    }

    /** {@code value} is null when the source had no number. */
    public record CheckResultView(String name, String metric, double threshold, String verdict, Double value, long samples, String why) {
    }

    /**
     * A canary: its steps and where its gate stands ({@code gate} null before the first hold):
     * the batch the release holds after, the canary machine's state and step, the end of the
     * pause, the weight last set on the traffic target.
     */
    public record CanaryView(String mode, int canaryInstances, List<CanarySpec.Step> steps, GateState gate) {
    }
}
