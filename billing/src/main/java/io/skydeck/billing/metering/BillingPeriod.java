package io.skydeck.billing.metering;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Objects;

/** A calendar month in UTC, [start, end). Billing, invoicing and reprocessing work per period. */
public record BillingPeriod(YearMonth month) implements Comparable<BillingPeriod> {
    public BillingPeriod {
        Objects.requireNonNull(month, "month");
    }

    public static BillingPeriod of(int year, int month) {
        return new BillingPeriod(YearMonth.of(year, month));
    }

    public static BillingPeriod containing(Instant instant) {
        return new BillingPeriod(YearMonth.from(instant.atOffset(ZoneOffset.UTC)));
    }

    public Instant start() {
        return month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    public Instant end() {
        return month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    public boolean contains(Instant instant) {
        return !instant.isBefore(start()) && instant.isBefore(end());
    }

    public BillingPeriod next() {
        return new BillingPeriod(month.plusMonths(1));
    }

    @Override
    public int compareTo(BillingPeriod other) {
        return month.compareTo(other.month);
    }

    @Override
    public String toString() {
        return month.toString();
    }
}
