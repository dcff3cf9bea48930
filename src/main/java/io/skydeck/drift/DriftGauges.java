package io.skydeck.drift;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code skydeck_drift_resources{provider, kind="orphan|ghost"}}: how many resources the latest
 * sync of each provider found out of step, for alerting.
 */
@ApplicationScoped
public class DriftGauges {

    @Inject
    MeterRegistry registry;

    // Micrometer holds gauges weakly: these values must stay referenced for as long as the gauge lives.
    private final Map<String, AtomicInteger> values = new ConcurrentHashMap<>();

    public void set(String provider, DriftFinding.Kind kind, int count) {
        values.computeIfAbsent(provider + "\u0000" + kind, key -> {
            AtomicInteger value = new AtomicInteger();
            Gauge.builder("skydeck.drift.resources", value, AtomicInteger::get)
                    .description("Resources out of step between a provider and Skydeck at the latest drift sync")
                    .tag("provider", provider)
                    .tag("kind", kind.name().toLowerCase(Locale.ROOT))
                    .register(registry);
            return value;
        }).set(count);
    }
}
