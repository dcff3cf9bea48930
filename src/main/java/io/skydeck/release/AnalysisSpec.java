package io.skydeck.release;

import io.skydeck.platform.problem.ProblemException;
import io.skydeck.release.analysis.Metric;
import io.skydeck.release.analysis.MetricCheck;
import io.skydeck.release.analysis.prometheus.PromQlCheck;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A release's analysis as stored ({@code app_release.analysis}): where the numbers come from, the
 * sandbox's measuring window, and the checks. Built from the request by {@link #of}, which answers
 * every mistake with a 400 naming the field.
 */
public record AnalysisSpec(Source source, String window, List<Check> checks) {

    public enum Source { SANDBOX, PROMETHEUS }

    /** One check; {@code query}/{@code samplesQuery} only for Prometheus. */
    public record Check(String name, Metric metric, double threshold, long minimumSamples, String query, String samplesQuery) {

        MetricCheck metricCheck() {
            return new MetricCheck(name, metric, threshold, minimumSamples);
        }

        PromQlCheck promQl() {
            return new PromQlCheck(metricCheck(), query, samplesQuery);
        }
    }

    static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    Duration windowDuration() {
        return Duration.parse(window);
    }

    List<MetricCheck> metricChecks() {
        return checks.stream().map(Check::metricCheck).toList();
    }

    /**
     * @param sandboxGroup whether the group is on the sandbox (its simulated traffic is the sandbox source)
     * @param prometheusConfigured whether this service knows a Prometheus to ask
     */
    static AnalysisSpec of(GateViews.AnalysisRequest request, boolean sandboxGroup, boolean prometheusConfigured) {
        if (request.source() == null) {
            throw ProblemException.invalid("analysis.source", "is required: sandbox or prometheus");
        }
        Source source;
        try {
            source = Source.valueOf(request.source().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("analysis.source", "'" + request.source() + "' is not sandbox or prometheus");
        }
        if (source == Source.SANDBOX && !sandboxGroup) {
            throw ProblemException.invalid("analysis.source", "the sandbox's simulated traffic measures groups on the sandbox only");
        }
        if (source == Source.PROMETHEUS && !prometheusConfigured) {
            throw ProblemException.invalid("analysis.source", "no Prometheus is configured (skydeck.release.analysis.prometheus-url)");
        }
        Duration window = DEFAULT_WINDOW;
        if (request.window() != null) {
            try {
                window = Duration.parse(request.window());
            } catch (DateTimeParseException e) {
                throw ProblemException.invalid("analysis.window", "'" + request.window() + "' is not an ISO-8601 duration such as PT1M");
            }
            if (window.getSeconds() < 1 || window.compareTo(Duration.ofHours(24)) > 0) {
                throw ProblemException.invalid("analysis.window", window + " is outside 1 s..24 h");
            }
        }
        if (request.checks() == null || request.checks().isEmpty()) {
            throw ProblemException.invalid("analysis.checks", "an analysis needs at least one check");
        }
        List<Check> checks = new ArrayList<>();
        Set<Metric> seen = EnumSet.noneOf(Metric.class);
        for (int i = 0; i < request.checks().size(); i++) {
            GateViews.CheckRequest c = request.checks().get(i);
            String field = "analysis.checks[" + i + "]";
            if (c == null || c.metric() == null) {
                throw ProblemException.invalid(field + ".metric", "is required: success-rate, p99-latency-ms or error-count");
            }
            Metric metric = metric(c.metric(), field + ".metric");
            if (!seen.add(metric)) {
                throw ProblemException.invalid(field + ".metric", "another check already measures " + name(metric));
            }
            if (c.threshold() == null) {
                throw ProblemException.invalid(field + ".threshold", "is required");
            }
            long minimum = c.minimumSamples() == null ? 0 : c.minimumSamples();
            boolean prometheus = source == Source.PROMETHEUS;
            if (!prometheus && (c.query() != null || c.samplesQuery() != null)) {
                throw ProblemException.invalid(field + ".query", "only a prometheus check has a query");
            }
            Check check = new Check(name(metric), metric, c.threshold(), minimum, prometheus ? c.query() : null,
                    prometheus ? c.samplesQuery() : null);
            try {
                check.metricCheck();
                if (prometheus) {
                    check.promQl();
                }
            } catch (IllegalArgumentException e) {
                String message = e.getMessage();
                String what = message.contains(".limit") ? "threshold" : message.contains(".minimumSamples") ? "minimumSamples"
                        : message.contains(".samplesQuery") ? "samplesQuery" : "query";
                throw ProblemException.invalid(field + "." + what, message.substring(message.indexOf(':') + 2));
            }
            checks.add(check);
        }
        return new AnalysisSpec(source, window.toString(), List.copyOf(checks));
    }

    static String name(Metric metric) {
        return switch (metric) {
            case SUCCESS_RATE -> "success-rate";
            case P99_LATENCY_MS -> "p99-latency-ms";
            case ERROR_COUNT -> "error-count";
        };
    }

    private static Metric metric(String text, String field) {
        for (Metric m : Metric.values()) {
            if (name(m).equalsIgnoreCase(text.trim()) || m.name().equalsIgnoreCase(text.trim())) {
                return m;
            }
        }
        throw ProblemException.invalid(field, "'" + text + "' is not success-rate, p99-latency-ms or error-count");
    }
}
