package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ResourceType;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A stretch of time during which a resource ran at a constant rate: {@code quantityPerHour}
 * units of {@code usageType} per hour, each at {@code unitPrice}. A server is one segment per
 * ACTIVE stretch (1 Hrs per hour at the flavor price); a workload two (vCPU-hours, GiB-hours).
 */
record UsageSegment(String resourceId, ResourceType resourceType, String region, String usageType, String unit,
                    BigDecimal quantityPerHour, BigDecimal unitPrice, Instant start, Optional<Instant> end,
                    Map<String, String> tags) {

    boolean open() {
        return end.isEmpty();
    }

    UsageSegment closedAt(Instant at) {
        return new UsageSegment(resourceId, resourceType, region, usageType, unit, quantityPerHour, unitPrice, start,
                Optional.of(at), tags);
    }
}
