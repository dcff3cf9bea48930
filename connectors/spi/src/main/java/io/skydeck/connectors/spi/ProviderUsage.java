package io.skydeck.connectors.spi;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One line of what the provider will bill (an AWS CUR line, an OpenStack rating record):
 * a resource, a usage type ("BoxUsage:m5.large", "server-hours:m1.small"), a quantity in
 * {@code unit} over [start, end), and its cost. {@code tags} are the resource's tags as the
 * bill shows them, which is how reconciliation finds the tenant.
 */
public record ProviderUsage(
        String resourceId,
        ResourceType resourceType,
        String region,
        String usageType,
        BigDecimal quantity,
        String unit,
        Instant start,
        Instant end,
        Money cost,
        Map<String, String> tags) {

    public ProviderUsage {
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(resourceType, "resourceType");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(usageType, "usageType");
        Objects.requireNonNull(quantity, "quantity");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(cost, "cost");
        tags = Map.copyOf(tags);
    }
}
