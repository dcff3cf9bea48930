package io.skydeck.billing.reconciliation;

import static io.skydeck.billing.Fixtures.clockAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.billing.bills.BillFormat;
import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.metering.BillingPeriod;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcilerTest {

    static final BillingPeriod JAN = BillingPeriod.of(2024, 1);
    static final Instant H10 = Instant.parse("2024-01-01T10:00:00Z");

    @TempDir
    Path temp;

    static MeteredLine ours(String resource, String usageType, Instant hour, String qty, String list, String effective) {
        return new MeteredLine("aws", "acme", resource, usageType, hour, "Virtual Machines", new BigDecimal(qty), new BigDecimal(list), new BigDecimal(effective));
    }

    static BillLine theirs(String resource, String usageType, Instant hour, String qty, String list, String effective, String commitment) {
        return new BillLine(2, BillFormat.CUR_LEGACY, "aws", "111", "222", resource, "AmazonEC2", usageType, "eu-west-1", "Usage", null,
                hour, hour.plus(1, ChronoUnit.HOURS), new BigDecimal(qty), "Hrs", null, new BigDecimal(list),
                commitment == null ? new BigDecimal(effective) : BigDecimal.ZERO, new BigDecimal(effective), "USD", commitment,
                commitment == null ? null : "Used", null);
    }

    Reconciler reconciler(int runSize) {
        return new Reconciler(clockAt("2024-02-05T00:00:00Z"), Tolerance.standard(), Granularity.HOUR, AwsUsageTypes::of, temp, runSize);
    }

    @Test
    void everyKindOfDifferenceIsClassifiedAndTotalled() {
        List<MeteredLine> skydeck = List.of(
                ours("i-ok", "BoxUsage:m5.large", H10, "1", "0.107", "0.107"),
                ours("i-qty", "BoxUsage:m5.large", H10, "0.5", "0.0535", "0.0535"),
                ours("i-price", "BoxUsage:m5.large", H10, "1", "0.107", "0.107"),
                ours("i-ri", "BoxUsage:m5.large", H10, "1", "0.107", "0.107"),
                ours("i-gone", "BoxUsage:m5.large", H10, "1", "0.107", "0.107"));
        List<BillLine> bill = List.of(
                theirs("i-ok", "EUW1-BoxUsage:m5.large", H10, "1", "0.107", "0.107", null),
                theirs("i-qty", "EUW1-BoxUsage:m5.large", H10, "1", "0.107", "0.107", null),
                theirs("i-price", "EUW1-BoxUsage:m5.large", H10, "1", "0.120", "0.120", null),
                theirs("i-ri", "EUW1-BoxUsage:m5.large", H10, "1", "0.107", "0.064", "ri-1"),
                theirs("i-orphan", "EUW1-BoxUsage:m5.large", H10, "1", "0.107", "0.107", null));
        List<Discrepancy> found = new ArrayList<>();

        ReconciliationRun run = reconciler(1000).run(JAN, "aws", skydeck.iterator(), bill.iterator(), found::add);

        Map<String, Discrepancy.Kind> byResource = found.stream().collect(Collectors.toMap(d -> d.key().resourceId(), Discrepancy::kind));
        assertThat(byResource).containsExactlyInAnyOrderEntriesOf(Map.of(
                "i-ok", Discrepancy.Kind.MATCHED,
                "i-qty", Discrepancy.Kind.QUANTITY_MISMATCH,
                "i-price", Discrepancy.Kind.PRICE_MISMATCH,
                "i-ri", Discrepancy.Kind.COMMITMENT_DISCOUNT_EFFECT,
                "i-gone", Discrepancy.Kind.MISSING_FROM_PROVIDER_BILL,
                "i-orphan", Discrepancy.Kind.UNKNOWN_TO_SKYDECK));
        // Ours: 0.107 × 4 + 0.0535 = 0.4815. Theirs (effective): 0.107 + 0.107 + 0.120 + 0.064 + 0.107 = 0.505.
        Totals aws = run.byProvider().get("aws");
        assertThat(aws.skydeckEffective()).isEqualByComparingTo("0.4815");
        assertThat(aws.providerEffective()).isEqualByComparingTo("0.505");
        assertThat(run.byTenant().get(Reconciler.UNALLOCATED).providerEffective()).isEqualByComparingTo("0.107");
        assertThat(run.byTenant().get("acme").providerEffective()).isEqualByComparingTo("0.398");
        assertThat(run.counts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(6);
    }

    @Test
    void hourlyProviderLinesAreSummedToTheChosenGranularityBeforeMatching() {
        // The provider bills two half-hour lines; Skydeck has one record for the day.
        List<BillLine> bill = List.of(
                theirs("i-1", "BoxUsage:m5.large", H10, "0.5", "0.0535", "0.0535", null),
                theirs("i-1", "BoxUsage:m5.large", H10.plus(30, ChronoUnit.MINUTES), "0.5", "0.0535", "0.0535", null));
        List<MeteredLine> skydeck = List.of(ours("i-1", "BoxUsage:m5.large", H10, "1", "0.107", "0.107"));
        List<Discrepancy> found = new ArrayList<>();

        new Reconciler(clockAt("2024-02-05T00:00:00Z"), Tolerance.standard(), Granularity.DAY, AwsUsageTypes::of, temp, 10)
                .run(JAN, "aws", skydeck.iterator(), bill.iterator(), found::add);

        assertThat(found).singleElement().extracting(Discrepancy::kind).isEqualTo(Discrepancy.Kind.MATCHED);
    }

    @Test
    void spillingToDiskGivesTheSameResultAsSortingInMemory() {
        // 3,000 resources; every 10th is missing from the bill, every 7th bill line is an orphan.
        List<MeteredLine> skydeck = IntStream.range(0, 3000).filter(i -> i % 7 != 0)
                .mapToObj(i -> ours("i-" + i, "BoxUsage:m5.large", H10.plus(i % 24, ChronoUnit.HOURS), "1", "0.107", "0.107")).toList();
        List<BillLine> bill = IntStream.range(0, 3000).filter(i -> i % 10 != 0)
                .mapToObj(i -> theirs("i-" + i, "BoxUsage:m5.large", H10.plus(i % 24, ChronoUnit.HOURS), "1", "0.107", "0.107", null)).toList();

        ReconciliationRun inMemory = reconciler(1_000_000).run(JAN, "aws", skydeck.iterator(), bill.iterator(), d -> { });
        ReconciliationRun spilled = reconciler(97).run(JAN, "aws", skydeck.iterator(), bill.iterator(), d -> { });

        assertThat(spilled.counts()).isEqualTo(inMemory.counts());
        // missing: i%10==0 and i%7!=0 → 300 − 43 = 257; unknown: i%7==0 and i%10!=0 → 429 − 43 = 386
        assertThat(spilled.count(Discrepancy.Kind.MISSING_FROM_PROVIDER_BILL)).isEqualTo(257);
        assertThat(spilled.count(Discrepancy.Kind.UNKNOWN_TO_SKYDECK)).isEqualTo(386);
        assertThat(spilled.count(Discrepancy.Kind.MATCHED)).isEqualTo(3000 - 300 - 429 + 43);
        assertThat(temp).isEmptyDirectory();
    }

    @Test
    void taxAndAccountLevelLinesGoToTheTotalsButAreNotMatchedPerResource() {
        BillLine tax = new BillLine(4, BillFormat.CUR_LEGACY, "aws", "111", "222", null, "AmazonEC2", null, null, "Tax", null,
                JAN.start(), JAN.end(), null, null, null, null, new BigDecimal("2.14"), new BigDecimal("2.14"), "USD", null, null, null);
        Iterator<MeteredLine> none = List.<MeteredLine>of().iterator();

        ReconciliationRun run = reconciler(10).run(JAN, "aws", none, List.of(tax).iterator(), d -> { });

        assertThat(run.accountLevelLines()).isEqualTo(1);
        assertThat(run.counts()).isEmpty();
        assertThat(run.byProvider().get("aws").providerEffective()).isEqualByComparingTo("2.14");
        assertThat(run.markReconciled("finance@acme", Instant.parse("2024-02-06T00:00:00Z")).isReconciled()).isTrue();
    }
}
