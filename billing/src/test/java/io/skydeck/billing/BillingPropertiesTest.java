package io.skydeck.billing;

import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.billing.bills.BillImporter;
import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.bills.ImportStaging;
import io.skydeck.billing.bills.ImportedFiles;
import io.skydeck.billing.invoice.Invoice;
import io.skydeck.billing.invoice.InvoiceLine;
import io.skydeck.billing.invoice.Invoicer;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.LifecycleEvent;
import io.skydeck.billing.metering.LifecycleEventKind;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.MeteringLedger;
import io.skydeck.billing.metering.ResourceKind;
import io.skydeck.billing.metering.UsageMeter;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.billing.rating.ChargeKind;
import io.skydeck.billing.rating.Commitment;
import io.skydeck.billing.rating.Price;
import io.skydeck.billing.rating.Rate;
import io.skydeck.billing.rating.RateCard;
import io.skydeck.billing.rating.RateCatalog;
import io.skydeck.billing.rating.RateKey;
import io.skydeck.billing.rating.RatedCharge;
import io.skydeck.billing.rating.RatedUsage;
import io.skydeck.billing.rating.Tier;
import io.skydeck.billing.rating.UsageRater;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** Invariants that must hold for any input, not just the hand-checked examples. */
class BillingPropertiesTest {

    static final BillingPeriod JAN = BillingPeriod.of(2024, 1);
    static final Instant START = JAN.start();

    /** A server's life: created at some second of January, maybe stopped/started/resized, maybe deleted. */
    @Provide
    Arbitrary<List<LifecycleEvent>> serverLives() {
        Arbitrary<List<LifecycleEvent>> one = Combinators.combine(
                Arbitraries.integers().between(0, 20), Arbitraries.longs().between(0, 31L * 24 * 3600 - 1),
                Arbitraries.longs().between(1, 5L * 24 * 3600).list().ofMaxSize(6), Arbitraries.of(1, 2, 4, 8))
                .as((resource, createdAt, gaps, vcpus) -> {
                    List<LifecycleEvent> events = new ArrayList<>();
                    String id = "vm" + resource;
                    long t = createdAt;
                    events.add(event(id, 0, LifecycleEventKind.CREATED, t, io.skydeck.billing.metering.ResourceSpec.server("m" + vcpus, vcpus, vcpus * 2048L, 0, 1), 0));
                    LifecycleEventKind[] kinds = {LifecycleEventKind.STOPPED, LifecycleEventKind.STARTED, LifecycleEventKind.RESIZED,
                            LifecycleEventKind.REPORTED, LifecycleEventKind.DELETED};
                    int n = 1;
                    for (long gap : gaps) {
                        t += gap;
                        LifecycleEventKind k = kinds[(int) (gap % kinds.length)];
                        var spec = k == LifecycleEventKind.RESIZED ? io.skydeck.billing.metering.ResourceSpec.server("m16", 16, 32768, 1, 1) : null;
                        events.add(event(id, n++, k, t, spec, gap * 1000));
                    }
                    return events;
                });
        // One life per resource id: two lives of the same id would reuse event ids.
        return one.list().ofMinSize(1).ofMaxSize(5).uniqueElements(life -> life.get(0).resourceId())
                .map(lists -> lists.stream().flatMap(List::stream).toList());
    }

    static LifecycleEvent event(String resource, int n, LifecycleEventKind kind, long second, io.skydeck.billing.metering.ResourceSpec spec, long egress) {
        return new LifecycleEvent(resource + "-e" + n, "acme", resource, "i-" + resource, "aws", "eu-west-1", ResourceKind.SERVER,
                kind, START.plusSeconds(second), spec, egress);
    }

    static final RateCatalog CATALOG = new RateCatalog(List.of(new RateCard("list", 1, "aws", "*", "EUR", Instant.parse("2020-01-01T00:00:00Z"),
            null, null, Map.of(
                    RateKey.of(Meter.SERVER_HOURS), Rate.perUnit("0.0417"),
                    RateKey.of(Meter.VCPU_HOURS), new Rate(new BigDecimal("1.50"), Price.PerUnit.of("0.0033333333")),
                    RateKey.of(Meter.MEMORY_GIB_HOURS), Rate.of(new Price.Tiered(List.of(Tier.upTo("100", "0.004"), Tier.above("0.0035")))),
                    RateKey.of(Meter.GPU_HOURS), Rate.of(new Price.Volume(List.of(Tier.upTo("10", "0.90"), Tier.above("0.75")))),
                    RateKey.of(Meter.PUBLIC_IP_HOURS), Rate.perUnit("0.005"),
                    RateKey.of(Meter.EGRESS_GB), Rate.perUnit("0.09")))));

    @Property(tries = 150)
    void theSumOfInvoiceLinesEqualsTheSumOfRatedUsageAndNoQuantityIsLostOrDoubled(
            @ForAll("serverLives") List<LifecycleEvent> events, @ForAll @IntRange(min = 0, max = 3) int reservedUnits,
            @ForAll @IntRange(min = 0, max = 40) int spendCents) {
        List<UsageRecord> usage = UsageMeter.meterAll(events, JAN.start(), JAN.end(), JAN.end());
        List<Commitment> commitments = new ArrayList<>();
        if (reservedUnits > 0) {
            commitments.add(new Commitment.ReservedCapacity("ri", "acme", "aws", "eu-west-1", Meter.SERVER_HOURS, "m4",
                    BigDecimal.valueOf(reservedUnits), new BigDecimal("0.03"), "EUR", START.plus(3, ChronoUnit.DAYS), START.plus(20, ChronoUnit.DAYS)));
        }
        if (spendCents > 0) {
            commitments.add(new Commitment.SpendCommitment("sp", "acme", "aws", BigDecimal.valueOf(spendCents, 2), new BigDecimal("0.25"),
                    "EUR", START, JAN.end()));
        }

        RatedUsage rated = new UsageRater(CATALOG).rate("acme", JAN, usage, commitments);
        Invoice invoice = new Invoicer(Fixtures.clockAt("2024-02-01T00:00:00Z")).draft("acme", JAN, "EUR", rated, List.of());

        BigDecimal lineSum = invoice.lines().stream().map(InvoiceLine::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal ratedSum = rated.charges().stream().map(RatedCharge::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(lineSum).isEqualByComparingTo(ratedSum).isEqualByComparingTo(invoice.total());
        // Per metered unit, usage = on-demand + covered by reserved capacity (spend coverage is in money, checked via ids).
        for (Meter m : Meter.values()) {
            BigDecimal metered = usage.stream().filter(r -> r.meter() == m).map(UsageRecord::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
            BigDecimal charged = rated.charges().stream().filter(c -> c.meter() == m
                    && (c.kind() == ChargeKind.USAGE || c.kind() == ChargeKind.COMMITMENT_USED)).map(RatedCharge::quantity)
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            if (spendCents == 0) {
                assertThat(charged).as(m.name()).isEqualByComparingTo(metered);
            } else {
                assertThat(charged).as(m.name()).isLessThanOrEqualTo(metered);
            }
        }
        // Every usage record is traced by at least one invoice line.
        assertThat(invoice.lines().stream().flatMap(l -> l.usageRecordIds().stream()).distinct().count()).isEqualTo(usage.size());
    }

    @Property(tries = 150)
    void replayingShufflingAndReprocessingEventsNeverCountsAnythingTwice(@ForAll("serverLives") List<LifecycleEvent> events, @ForAll long seed) {
        List<LifecycleEvent> arrivals = new ArrayList<>(events);
        arrivals.addAll(events.subList(0, events.size() / 2)); // replays
        Collections.shuffle(arrivals, new Random(seed));
        MeteringLedger ledger = new MeteringLedger(Fixtures.clockAt("2024-02-01T00:00:00Z"));
        int split = arrivals.size() / 2;
        arrivals.subList(0, split).forEach(ledger::accept);
        ledger.close("acme", JAN);
        arrivals.subList(split, arrivals.size()).forEach(ledger::accept);
        ledger.reprocess("acme", JAN, "late events");
        ledger.reprocess("acme", JAN, "again");

        List<UsageRecord> stored = ledger.storedUsage("acme", JAN).orElseThrow();
        List<UsageRecord> expected = UsageMeter.meterAll(events, JAN.start(), JAN.end(), JAN.end());
        assertThat(stored).extracting(UsageRecord::id).doesNotHaveDuplicates();
        assertThat(stored).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(ledger.reprocessings().get(1).changedAnything()).isFalse();
    }

    @Property(tries = 50)
    void reImportingAFileAnyNumberOfTimesCommitsItsLinesOnce(@ForAll @IntRange(min = 1, max = 30) int rows, @ForAll @IntRange(min = 1, max = 4) int imports) {
        StringBuilder csv = new StringBuilder("BilledCost,ChargePeriodStart,ChargePeriodEnd,ResourceId,ChargeCategory\n");
        for (int i = 0; i < rows; i++) {
            csv.append(i).append(".25,2024-01-01T00:00:00Z,2024-01-01T01:00:00Z,r").append(i).append(",Usage\n");
        }
        byte[] file = csv.toString().getBytes(StandardCharsets.UTF_8);
        List<BillLine> committed = new ArrayList<>();
        BillImporter importer = new BillImporter(ImportedFiles.inMemory());
        for (int i = 0; i < imports; i++) {
            List<BillLine> staged = new ArrayList<>();
            importer.importFile(new ByteArrayInputStream(file), new ImportStaging() {
                public void stage(BillLine line) {
                    staged.add(line);
                }

                public void commit(String sha256) {
                    committed.addAll(staged);
                }

                public void discard() {
                    staged.clear();
                }
            });
        }
        assertThat(committed).hasSize(rows);
    }
}
