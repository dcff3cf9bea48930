package io.skydeck.release;

import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.TrafficMeasurement;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.release.analysis.Analysis;
import io.skydeck.release.analysis.Measurement;
import io.skydeck.release.analysis.Metric;
import io.skydeck.release.analysis.prometheus.PrometheusSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Measures a release's checks and judges them — on the driver's thread, outside any transaction,
 * since a source may take seconds to answer.
 *
 * <p><b>sandbox</b>: the simulated traffic ({@code SandboxTraffic.measure}) of the release's
 * instances that run the new version and are in traffic, over the analysis window, added up:
 * requests and errors summed, the success rate from the sums, and as p99 the highest instance's
 * p99 (the group's true p99 cannot be rebuilt from per-instance percentiles; the highest one is an
 * upper bound, which errs on the side of holding a release). <b>prometheus</b>: each check's
 * PromQL at the configured server, now. Whatever a source cannot measure is a measurement without
 * a value that names why, so the check is inconclusive, never passed.
 */
@ApplicationScoped
public class AnalysisSources {

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleaseConfig config;

    @Inject
    Clock clock;

    /** Judges {@code spec} on the provider instances {@code newVersion} (those serving the new version). */
    public Analysis.Result judge(AnalysisSpec spec, String provider, List<String> newVersion) {
        Analysis analysis = new Analysis(spec.metricChecks());
        return switch (spec.source()) {
            case SANDBOX -> analysis.judge(sandbox(spec, provider, newVersion));
            case PROMETHEUS -> analysis.judge(prometheus(spec));
        };
    }

    private Map<Metric, Measurement> sandbox(AnalysisSpec spec, String provider, List<String> instances) {
        CloudProvider cloud = providers.get(provider);
        if (!(cloud instanceof SandboxCloud sandbox)) {
            return nothing(spec, "provider " + provider + " is not the sandbox; its simulated traffic cannot be measured");
        }
        if (instances.isEmpty()) {
            return nothing(spec, "no instance runs the new version in traffic");
        }
        List<TrafficMeasurement> measured;
        try {
            measured = sandbox.traffic().measure(instances, spec.windowDuration());
        } catch (ProviderException | IllegalArgumentException e) {
            return nothing(spec, "the sandbox did not measure: " + e.getMessage());
        }
        long requests = 0;
        long errors = 0;
        Duration p99 = Duration.ZERO;
        for (TrafficMeasurement m : measured) {
            requests += m.requests();
            errors += m.errors();
            p99 = m.p99().compareTo(p99) > 0 ? m.p99() : p99;
        }
        Map<Metric, Measurement> values = new EnumMap<>(Metric.class);
        values.put(Metric.SUCCESS_RATE, requests == 0 ? Measurement.none(Metric.SUCCESS_RATE, "no requests in the window")
                : new Measurement(Metric.SUCCESS_RATE, 1.0 - (double) errors / requests, requests));
        values.put(Metric.P99_LATENCY_MS, new Measurement(Metric.P99_LATENCY_MS, p99.toMillis(), requests));
        values.put(Metric.ERROR_COUNT, new Measurement(Metric.ERROR_COUNT, errors, requests));
        return values;
    }

    private Map<Metric, Measurement> prometheus(AnalysisSpec spec) {
        return config.analysis().prometheusUrl()
                .map(url -> new PrometheusSource(url, config.analysis().prometheusTimeout(), clock)
                        .measureAll(spec.checks().stream().map(AnalysisSpec.Check::promQl).toList()))
                .orElseGet(() -> nothing(spec, "no Prometheus is configured (skydeck.release.analysis.prometheus-url)"));
    }

    private static Map<Metric, Measurement> nothing(AnalysisSpec spec, String why) {
        Map<Metric, Measurement> none = new EnumMap<>(Metric.class);
        spec.checks().forEach(c -> none.put(c.metric(), Measurement.none(c.metric(), why)));
        return none;
    }
}
