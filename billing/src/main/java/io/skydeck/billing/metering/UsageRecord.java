package io.skydeck.billing.metering;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * Usage of one meter by one resource within one UTC hour.
 *
 * <p>Records are hourly buckets so that a month boundary (always an hour boundary in UTC) never
 * falls inside one, commitments can be applied hour by hour, and a provider's hourly bill lines
 * can be matched. {@code seconds} is exact; {@code quantity} is in {@link Meter#unit()} at scale
 * {@value #QUANTITY_SCALE}, rounded half-even once per record from the exact
 * amount × seconds / 3600 (so one record is off by at most 5·10⁻¹⁰ units).
 *
 * <p>The id is a name-based UUID of (tenant, resource, meter, flavor, hour): recomputing the same
 * hour from the same events yields the same id, which is what makes reprocessing replace
 * instead of duplicate.
 *
 * @param start   the hour's start (inclusive)
 * @param end     the hour's end (exclusive)
 * @param seconds seconds of this hour in which the meter ran (0 for egress)
 */
public record UsageRecord(
        String id,
        String tenantId,
        String resourceId,
        String providerResourceId,
        String provider,
        String region,
        Meter meter,
        String flavor,
        Instant start,
        Instant end,
        long seconds,
        BigDecimal quantity) {

    public static final int QUANTITY_SCALE = 9;

    public UsageRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(meter, "meter");
        Objects.requireNonNull(flavor, "flavor");
        if (quantity.scale() != QUANTITY_SCALE) {
            throw new IllegalArgumentException("quantity must have scale " + QUANTITY_SCALE + ": " + quantity);
        }
    }

    public static String stableId(String tenantId, String resourceId, Meter meter, String flavor, Instant hour) {
        String name = String.join("|", tenantId, resourceId, meter.name(), flavor, hour.toString());
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    public BillingPeriod period() {
        return BillingPeriod.containing(start);
    }
}
