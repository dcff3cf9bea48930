package io.skydeck.release;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** How this replica drives releases. */
@ConfigMapping(prefix = "skydeck.release")
public interface ReleaseConfig {

    /** Whether this replica drives releases at all (a read-only replica, or a test that drives by hand, says false). */
    @WithDefault("true")
    boolean drive();

    /** This replica's name in a lease; default: the host name and a random suffix, new at every start. */
    Optional<String> replicaId();

    /** How long a lease holds without renewal: how long a dead driver's release waits before another replica takes it. */
    @WithDefault("PT15S")
    Duration leaseDuration();

    /** How often a replica looks for releases with steps to run and no live driver. */
    @WithDefault("PT1S")
    Duration scanInterval();

    /** How often a running install is polled. */
    @WithDefault("PT0.5S")
    Duration pollInterval();

    /**
     * How long a driver that got a step's result waits for more before it writes them, while other
     * steps still run: one write then records several results (a group commit). Each write is a
     * fenced transaction of a few statements; at parallelism 50 most of a release's writes carried
     * one or two results. Zero writes at once.
     */
    @WithDefault("PT0.005S")
    Duration writeLinger();

    /** How long an install may run before the step counts as failed. */
    @WithDefault("PT15M")
    Duration installTimeout();

    /** How long an ignition check keeps asking before the instance counts as unhealthy. */
    @WithDefault("PT60S")
    Duration ignitionTimeout();

    /** Release analysis. */
    AnalysisSettings analysis();

    interface AnalysisSettings {

        /** The Prometheus whose HTTP query API a release's {@code prometheus} analysis asks; none: such analyses are refused (400). */
        Optional<URI> prometheusUrl();

        /** How long a Prometheus query may take before the check counts as inconclusive. */
        @WithDefault("PT5S")
        Duration prometheusTimeout();
    }
}
