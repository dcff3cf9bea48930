package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.Money;
import io.skydeck.connectors.spi.ProviderUsage;
import io.skydeck.connectors.spi.UsageExport;
import io.skydeck.connectors.spi.UsagePeriod;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the sandbox bills: one line per metered segment, clipped to the period and to now
 * (a resource still running is billed up to the present). Billing is per second, like EC2.
 * The quantity is rounded half-even to 6 decimals; the cost is computed from the exact
 * seconds and rounded once, to {@link Money#SCALE}, so it never inherits the quantity's rounding.
 */
final class SandboxUsageExport implements UsageExport {
    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
    private static final int QUANTITY_SCALE = 6;

    private final SandboxCloud cloud;

    SandboxUsageExport(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public Stream<ProviderUsage> usage(UsagePeriod period) {
        List<ProviderUsage> lines = cloud.read(SandboxCall.EXPORT_USAGE, () -> {
            Instant now = cloud.clock().instant();
            var result = new ArrayList<ProviderUsage>();
            for (UsageSegment segment : cloud.state().usage) {
                Instant start = max(segment.start(), period.start());
                Instant end = min(segment.end().orElse(now), period.end());
                if (!start.isBefore(end)) {
                    continue;
                }
                BigDecimal seconds = BigDecimal.valueOf(Duration.between(start, end).getSeconds());
                BigDecimal unitSeconds = segment.quantityPerHour().multiply(seconds);
                BigDecimal quantity = unitSeconds.divide(SECONDS_PER_HOUR, QUANTITY_SCALE, RoundingMode.HALF_EVEN);
                BigDecimal cost = segment.unitPrice().multiply(unitSeconds).divide(SECONDS_PER_HOUR, Money.SCALE, RoundingMode.HALF_EVEN);
                result.add(new ProviderUsage(segment.resourceId(), segment.resourceType(), segment.region(), segment.usageType(),
                        quantity, segment.unit(), start, end, new Money(cost, cloud.topology().currency()), segment.tags()));
            }
            return List.copyOf(result);
        });
        return lines.stream();
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
