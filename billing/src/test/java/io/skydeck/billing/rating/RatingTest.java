package io.skydeck.billing.rating;

import static io.skydeck.billing.Fixtures.at;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RatingTest {

    static final BillingPeriod JAN = BillingPeriod.of(2024, 1);

    static UsageRecord usage(String resource, Meter meter, String flavor, String hourIso, String quantity) {
        Instant hour = at(hourIso);
        return new UsageRecord(UsageRecord.stableId("acme", resource, meter, flavor, hour), "acme", resource, "i-" + resource,
                "aws", "eu-west-1", meter, flavor, hour, hour.plus(1, ChronoUnit.HOURS), 3600,
                new BigDecimal(quantity).setScale(UsageRecord.QUANTITY_SCALE));
    }

    /** One record per hour starting at 2024-01-01T00:00Z. */
    static List<UsageRecord> hours(String resource, Meter meter, String flavor, int count, String quantityPerHour) {
        List<UsageRecord> out = new ArrayList<>();
        for (int h = 0; h < count; h++) {
            out.add(usage(resource, meter, flavor, at("2024-01-01T00:00:00Z").plus(h, ChronoUnit.HOURS).toString(), quantityPerHour));
        }
        return out;
    }

    static RateCard card(String id, int version, String tenant, Instant from, Instant to, Map<RateKey, Rate> rates) {
        return new RateCard(id, version, "aws", "eu-west-1", "EUR", from, to, tenant, rates);
    }

    static RateCard card(Map<RateKey, Rate> rates) {
        return card("list", 1, null, at("2023-01-01T00:00:00Z"), null, rates);
    }

    static List<RatedCharge> rate(RateCard card, List<UsageRecord> usage) {
        return new UsageRater(new RateCatalog(List.of(card))).rate("acme", JAN, usage, List.of()).charges();
    }

    @Test
    void graduatedTiersPriceEachSliceAtItsOwnRate() {
        // 75 GB: first 10 free, next 40 at 0.09, last 25 at 0.07 → 0 + 3.60 + 1.75 = 5.35
        Price tiered = new Price.Tiered(List.of(Tier.upTo("10", "0"), Tier.upTo("50", "0.09"), Tier.above("0.07")));
        var charges = rate(card(Map.of(RateKey.of(Meter.EGRESS_GB), Rate.of(tiered))), List.of(
                usage("vm1", Meter.EGRESS_GB, "", "2024-01-02T00:00:00Z", "30"),
                usage("vm1", Meter.EGRESS_GB, "", "2024-01-20T00:00:00Z", "45")));

        assertThat(charges).singleElement().satisfies(c -> {
            assertThat(c.amount()).isEqualTo("5.35");
            assertThat(c.quantity()).isEqualByComparingTo("75");
            assertThat(c.usageRecordIds()).hasSize(2);
        });
    }

    @Test
    void volumePricingChargesEveryUnitAtTheTierTheTotalReaches() {
        Price volume = new Price.Volume(List.of(Tier.upTo("100", "0.10"), Tier.upTo("1000", "0.08"), Tier.above("0.05")));
        // 150 units reach the second tier: 150 × 0.08 = 12.00; exactly 100 stays in the first: 100 × 0.10 = 10.00
        assertThat(volume.amountFor(new BigDecimal("150"))).isEqualByComparingTo("12.00");
        assertThat(volume.amountFor(new BigDecimal("100"))).isEqualByComparingTo("10.00");
        assertThat(volume.amountFor(new BigDecimal("1001"))).isEqualByComparingTo("50.05");
    }

    @Test
    void lineAmountsAreRoundedHalfEvenOnceAtTheLineNotPerRecord() {
        // 5 × 0.025 = 0.125 → 0.12 (half-even, tie to even); 7 × 0.025 = 0.175 → 0.18
        Rate rate = Rate.perUnit("0.025");
        assertThat(rate(card(Map.of(RateKey.of(Meter.PUBLIC_IP_HOURS), rate)), hours("ip1", Meter.PUBLIC_IP_HOURS, "", 5, "1")))
                .singleElement().extracting(RatedCharge::amount).isEqualTo(new BigDecimal("0.12"));
        assertThat(rate(card(Map.of(RateKey.of(Meter.PUBLIC_IP_HOURS), rate)), hours("ip1", Meter.PUBLIC_IP_HOURS, "", 7, "1")))
                .singleElement().extracting(RatedCharge::amount).isEqualTo(new BigDecimal("0.18"));
        // 3 h at 0.0333333333: exact 0.0999999999 → 0.10; rounding each hour first would give 0.09
        assertThat(rate(card(Map.of(RateKey.of(Meter.PUBLIC_IP_HOURS), Rate.perUnit("0.0333333333"))), hours("ip1", Meter.PUBLIC_IP_HOURS, "", 3, "1")))
                .singleElement().extracting(RatedCharge::amount).isEqualTo(new BigDecimal("0.10"));
    }

    @Test
    void pricesWithMoreThanTenDecimalsAreRefusedInsteadOfRounded() {
        assertThatThrownBy(() -> Rate.perUnit("0.00000000001")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFixedPartIsChargedOncePerPeriodNextToTheVariablePart() {
        // fixed 5.00 + 10 h × 0.10 = 1.00
        Rate rate = new Rate(new BigDecimal("5.00"), Price.PerUnit.of("0.10"));
        var charges = rate(card(Map.of(RateKey.of(Meter.SERVER_HOURS, "m1.large"), rate)), hours("vm1", Meter.SERVER_HOURS, "m1.large", 10, "1"));

        assertThat(charges).extracting(RatedCharge::kind, RatedCharge::amount).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple(ChargeKind.USAGE, new BigDecimal("1.00")),
                org.assertj.core.groups.Tuple.tuple(ChargeKind.FIXED_FEE, new BigDecimal("5.00")));
    }

    @Test
    void aTenantOverrideWinsOverTheListCardAndFallsBackForMetersItDoesNotPrice() {
        RateCard list = card(Map.of(RateKey.of(Meter.SERVER_HOURS), Rate.perUnit("0.10"), RateKey.of(Meter.PUBLIC_IP_HOURS), Rate.perUnit("0.005")));
        RateCard acme = card("acme-deal", 1, "acme", at("2023-01-01T00:00:00Z"), null, Map.of(RateKey.of(Meter.SERVER_HOURS, "m1.large"), Rate.perUnit("0.08")));
        List<UsageRecord> usage = new ArrayList<>(hours("vm1", Meter.SERVER_HOURS, "m1.large", 10, "1"));
        usage.addAll(hours("vm1", Meter.PUBLIC_IP_HOURS, "", 10, "1"));

        var charges = new UsageRater(new RateCatalog(List.of(list, acme))).rate("acme", JAN, usage, List.of()).charges();

        // 10 × 0.08 = 0.80 from the override; 10 × 0.005 = 0.05 from the list card
        assertThat(charges).extracting(RatedCharge::rateCardRef, RatedCharge::amount).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("acme-deal@1", new BigDecimal("0.80")),
                org.assertj.core.groups.Tuple.tuple("list@1", new BigDecimal("0.05")));
    }

    @Test
    void usageIsRatedWithTheCardEffectiveAtItsHour() {
        RateCard v1 = card("list", 1, null, at("2023-01-01T00:00:00Z"), at("2024-01-01T05:00:00Z"), Map.of(RateKey.of(Meter.SERVER_HOURS), Rate.perUnit("0.10")));
        RateCard v2 = card("list", 2, null, at("2024-01-01T05:00:00Z"), null, Map.of(RateKey.of(Meter.SERVER_HOURS), Rate.perUnit("0.12")));

        var charges = new UsageRater(new RateCatalog(List.of(v1, v2))).rate("acme", JAN, hours("vm1", Meter.SERVER_HOURS, "m1.large", 8, "1"), List.of()).charges();

        // hours 00–04 (5 h) × 0.10 = 0.50; hours 05–07 (3 h) × 0.12 = 0.36
        assertThat(charges).extracting(RatedCharge::rateCardRef, RatedCharge::amount).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("list@1", new BigDecimal("0.50")),
                org.assertj.core.groups.Tuple.tuple("list@2", new BigDecimal("0.36")));
    }

    @Test
    void usageWithoutARateIsReportedAsUnratedNotPricedAtZero() {
        RatedUsage rated = new UsageRater(new RateCatalog(List.of(card(Map.of())))).rate("acme", JAN, hours("vm1", Meter.GPU_HOURS, "", 2, "1"), List.of());

        assertThat(rated.charges()).isEmpty();
        assertThat(rated.unrated()).hasSize(2);
    }
}
