package io.skydeck.billing.rating;

import static io.skydeck.billing.Fixtures.at;
import static io.skydeck.billing.rating.RatingTest.JAN;
import static io.skydeck.billing.rating.RatingTest.card;
import static io.skydeck.billing.rating.RatingTest.hours;
import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommitmentTest {

    private static final RateCatalog ON_DEMAND = new RateCatalog(List.of(card(Map.of(RateKey.of(Meter.SERVER_HOURS), Rate.perUnit("0.10")))));

    private static RatedCharge only(RatedUsage rated, ChargeKind kind) {
        return rated.charges().stream().filter(c -> c.kind() == kind).findFirst().orElseThrow();
    }

    @Test
    void reservedCapacityCoversOneServerPerHourAndTheRestIsOnDemandOrUnused() {
        // 1 m1.large per hour reserved for all of January (744 h) at 0.06 instead of 0.10.
        // vm1 runs hours 0–9, vm2 hours 0–4: each hour covers 1 unit → covered 10 h, overflow 5 h.
        var reservation = new Commitment.ReservedCapacity("ri-1", "acme", "aws", "eu-west-1", Meter.SERVER_HOURS, "m1.large",
                BigDecimal.ONE, new BigDecimal("0.06"), "EUR", at("2024-01-01T00:00:00Z"), at("2024-02-01T00:00:00Z"));
        List<UsageRecord> usage = new ArrayList<>(hours("vm1", Meter.SERVER_HOURS, "m1.large", 10, "1"));
        usage.addAll(hours("vm2", Meter.SERVER_HOURS, "m1.large", 5, "1"));

        RatedUsage rated = new UsageRater(ON_DEMAND).rate("acme", JAN, usage, List.of(reservation));

        // used: 10 × 0.06 = 0.60 (list 10 × 0.10 = 1.00); unused: (744 − 10) × 0.06 = 44.04; on demand 5 × 0.10 = 0.50
        assertThat(only(rated, ChargeKind.COMMITMENT_USED)).satisfies(c -> {
            assertThat(c.quantity()).isEqualByComparingTo("10");
            assertThat(c.amount()).isEqualTo("0.60");
            assertThat(c.listAmount()).isEqualTo("1.00");
        });
        assertThat(only(rated, ChargeKind.COMMITMENT_UNUSED)).satisfies(c -> {
            assertThat(c.quantity()).isEqualByComparingTo("734");
            assertThat(c.amount()).isEqualTo("44.04");
        });
        assertThat(only(rated, ChargeKind.USAGE).amount()).isEqualTo("0.50");
        assertThat(rated.total()).isEqualTo("45.14");
    }

    @Test
    void aReservationForAnotherFlavorCoversNothing() {
        var reservation = new Commitment.ReservedCapacity("ri-1", "acme", "aws", "eu-west-1", Meter.SERVER_HOURS, "m1.xlarge",
                BigDecimal.ONE, new BigDecimal("0.06"), "EUR", at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z"));

        RatedUsage rated = new UsageRater(ON_DEMAND).rate("acme", JAN, hours("vm1", Meter.SERVER_HOURS, "m1.large", 10, "1"), List.of(reservation));

        // 24 h × 0.06 = 1.44 unused; 10 × 0.10 = 1.00 on demand
        assertThat(only(rated, ChargeKind.COMMITMENT_USED).amount()).isEqualTo("0.00");
        assertThat(only(rated, ChargeKind.COMMITMENT_UNUSED).amount()).isEqualTo("1.44");
        assertThat(only(rated, ChargeKind.USAGE).amount()).isEqualTo("1.00");
    }

    @Test
    void aSpendCommitmentPaysDiscountedUsageUpToItsHourlyAmount() {
        // 0.05/h of spend at 50 % off, for Jan 1 (24 h). On demand 0.10/h, discounted 0.05/h.
        // vm1 runs hours 0–2; vm2 runs hour 0. Each hour the budget pays one discounted server-hour:
        // used 3 × 0.05 = 0.15 (list 3 × 0.10 = 0.30); the other server in hour 0 is on demand 0.10;
        // unused 24 × 0.05 − 0.15 = 1.05. Total 0.15 + 1.05 + 0.10 = 1.30.
        var plan = new Commitment.SpendCommitment("sp-1", "acme", "aws", new BigDecimal("0.05"), new BigDecimal("0.50"), "EUR",
                at("2024-01-01T00:00:00Z"), at("2024-01-02T00:00:00Z"));
        List<UsageRecord> usage = new ArrayList<>(hours("vm1", Meter.SERVER_HOURS, "m1.large", 3, "1"));
        usage.addAll(hours("vm2", Meter.SERVER_HOURS, "m1.large", 1, "1"));

        RatedUsage rated = new UsageRater(ON_DEMAND).rate("acme", JAN, usage, List.of(plan));

        assertThat(only(rated, ChargeKind.COMMITMENT_USED)).satisfies(c -> {
            assertThat(c.amount()).isEqualTo("0.15");
            assertThat(c.listAmount()).isEqualTo("0.30");
        });
        assertThat(only(rated, ChargeKind.COMMITMENT_UNUSED).amount()).isEqualTo("1.05");
        assertThat(only(rated, ChargeKind.USAGE).amount()).isEqualTo("0.10");
        assertThat(rated.total()).isEqualTo("1.30");
    }

    @Test
    void aSpendBudgetThatRunsOutInsideARecordCoversOnlyTheShareItPaysFor() {
        // Budget 0.03/h at 50 % off: one server-hour costs 0.05 discounted, so 0.03 covers 0.6 h;
        // the remaining 0.4 h is on demand: 0.4 × 0.10 = 0.04. List of the covered part 0.6 × 0.10 = 0.06.
        var plan = new Commitment.SpendCommitment("sp-1", "acme", "aws", new BigDecimal("0.03"), new BigDecimal("0.50"), "EUR",
                at("2024-01-01T00:00:00Z"), at("2024-01-01T01:00:00Z"));

        RatedUsage rated = new UsageRater(ON_DEMAND).rate("acme", JAN, hours("vm1", Meter.SERVER_HOURS, "m1.large", 1, "1"), List.of(plan));

        assertThat(only(rated, ChargeKind.COMMITMENT_USED).amount()).isEqualTo("0.03");
        assertThat(only(rated, ChargeKind.COMMITMENT_USED).listAmount()).isEqualTo("0.06");
        assertThat(only(rated, ChargeKind.USAGE).quantity()).isEqualByComparingTo("0.4");
        assertThat(only(rated, ChargeKind.USAGE).amount()).isEqualTo("0.04");
        assertThat(only(rated, ChargeKind.COMMITMENT_UNUSED).amount()).isEqualTo("0.00");
    }
}
