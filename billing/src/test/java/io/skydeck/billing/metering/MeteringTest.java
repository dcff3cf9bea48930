package io.skydeck.billing.metering;

import static io.skydeck.billing.Fixtures.M1_LARGE;
import static io.skydeck.billing.Fixtures.M1_XLARGE;
import static io.skydeck.billing.Fixtures.at;
import static io.skydeck.billing.Fixtures.clockAt;
import static io.skydeck.billing.Fixtures.event;
import static io.skydeck.billing.Fixtures.server;
import static io.skydeck.billing.metering.LifecycleEventKind.CREATED;
import static io.skydeck.billing.metering.LifecycleEventKind.DELETED;
import static io.skydeck.billing.metering.LifecycleEventKind.REPORTED;
import static io.skydeck.billing.metering.LifecycleEventKind.RESIZED;
import static io.skydeck.billing.metering.LifecycleEventKind.STARTED;
import static io.skydeck.billing.metering.LifecycleEventKind.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class MeteringTest {

    private static BigDecimal sum(List<UsageRecord> records, Meter meter) {
        return records.stream().filter(r -> r.meter() == meter).map(UsageRecord::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static BigDecimal q(String v) {
        return new BigDecimal(v).setScale(UsageRecord.QUANTITY_SCALE);
    }

    @Test
    void aServerRunningAcrossMidnightOfAMonthEndIsSplitIntoBothMonths() {
        // Created 31 Jan 22:30:00, deleted 1 Feb 01:15:30.
        // January: 22:30–24:00 = 5400 s = 1.5 h. February: 00:00–01:15:30 = 4530 s = 1.258333333 h.
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-03-01T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-31T22:30:00Z", M1_LARGE));
        ledger.accept(server("e2", "vm1", DELETED, "2024-02-01T01:15:30Z", null));

        List<UsageRecord> jan = ledger.close("acme", BillingPeriod.of(2024, 1));
        List<UsageRecord> feb = ledger.close("acme", BillingPeriod.of(2024, 2));

        assertThat(sum(jan, Meter.SERVER_HOURS)).isEqualByComparingTo("1.5");
        // 4530 / 3600 = 1.258333… ; split 3600 s + 930 s: 1 + 0.258333333 = 1.258333333
        assertThat(sum(feb, Meter.SERVER_HOURS)).isEqualByComparingTo("1.258333333");
        // 4 vCPUs × 1.5 h = 6 vCPU-h; 8192 MiB = 8 GiB × 1.5 h = 12 GiB-h
        assertThat(sum(jan, Meter.VCPU_HOURS)).isEqualByComparingTo("6");
        assertThat(sum(jan, Meter.MEMORY_GIB_HOURS)).isEqualByComparingTo("12");
        assertThat(jan).extracting(UsageRecord::start).containsOnly(at("2024-01-31T22:00:00Z"), at("2024-01-31T23:00:00Z"));
        assertThat(jan.stream().filter(r -> r.meter() == Meter.SERVER_HOURS)).extracting(UsageRecord::seconds).containsExactly(1800L, 3600L);
        assertThat(feb.stream().filter(r -> r.meter() == Meter.SERVER_HOURS)).extracting(UsageRecord::seconds).containsExactly(3600L, 3600L - 2670L);
    }

    @Test
    void aResizeInsideAnHourIsMeteredExactlyPerSecond() {
        // 10:00–10:30 at 4 vCPU, 10:30–11:00 at 8 vCPU: (4 × 1800 + 8 × 1800) / 3600 = 6 vCPU-h.
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-01-01T11:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.accept(server("e2", "vm1", RESIZED, "2024-01-01T10:30:00Z", M1_XLARGE));

        List<UsageRecord> usage = ledger.currentUsage("acme", BillingPeriod.of(2024, 1));

        assertThat(sum(usage, Meter.VCPU_HOURS)).isEqualTo(q("6"));
        assertThat(usage.stream().filter(r -> r.meter() == Meter.SERVER_HOURS))
                .extracting(UsageRecord::flavor, UsageRecord::quantity)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("m1.large", q("0.5")),
                        org.assertj.core.groups.Tuple.tuple("m1.xlarge", q("0.5")));
    }

    @Test
    void aRunningServerIsMeteredUpToNowAndTheOpenHourGrowsUnderTheSameId() {
        AtomicReference<Instant> now = new AtomicReference<>(at("2024-01-01T10:20:00Z"));
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId zone) { return this; }
            public Instant instant() { return now.get(); }
        };
        MeteringLedger ledger = new MeteringLedger(clock);
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));

        UsageRecord early = ledger.currentUsage("acme", BillingPeriod.of(2024, 1)).get(0);
        now.set(at("2024-01-01T10:45:00Z"));
        UsageRecord later = ledger.currentUsage("acme", BillingPeriod.of(2024, 1)).get(0);

        assertThat(early.id()).isEqualTo(later.id());
        assertThat(early.seconds()).isEqualTo(1200);  // 20 minutes
        assertThat(later.seconds()).isEqualTo(2700);  // 45 minutes
    }

    @Test
    void stoppedServersStopAccruingComputeButKeepTheirPublicIp() {
        // Running 10:00–11:00 (1 h), stopped 11:00–13:00, deleted 13:00. One public IP all 3 hours.
        var spec = io.skydeck.billing.metering.ResourceSpec.server("m1.large", 4, 8192, 0, 1);
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", spec));
        ledger.accept(server("e2", "vm1", STOPPED, "2024-01-01T11:00:00Z", null));
        ledger.accept(server("e3", "vm1", DELETED, "2024-01-01T13:00:00Z", null));

        List<UsageRecord> usage = ledger.close("acme", BillingPeriod.of(2024, 1));

        assertThat(sum(usage, Meter.SERVER_HOURS)).isEqualByComparingTo("1");
        assertThat(sum(usage, Meter.PUBLIC_IP_HOURS)).isEqualByComparingTo("3");
    }

    @Test
    void deletionClosesUsageAndLaterEventsOfTheResourceAreIgnored() {
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.accept(server("e2", "vm1", DELETED, "2024-01-01T12:00:00Z", null));
        ledger.accept(server("e3", "vm1", STARTED, "2024-01-01T13:00:00Z", null));

        assertThat(sum(ledger.close("acme", BillingPeriod.of(2024, 1)), Meter.SERVER_HOURS)).isEqualByComparingTo("2");
    }

    @Test
    void outOfOrderEventsGiveTheSameRecordsAsOrderedOnes() {
        var created = server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE);
        var stopped = server("e2", "vm1", STOPPED, "2024-01-01T11:30:00Z", null);
        var started = server("e3", "vm1", STARTED, "2024-01-01T12:00:00Z", null);
        var deleted = server("e4", "vm1", DELETED, "2024-01-01T12:15:00Z", null);
        Instant now = at("2024-02-01T00:00:00Z");
        BillingPeriod jan = BillingPeriod.of(2024, 1);

        var ordered = UsageMeter.meterAll(List.of(created, stopped, started, deleted), jan.start(), jan.end(), now);
        var shuffled = UsageMeter.meterAll(List.of(deleted, started, created, stopped), jan.start(), jan.end(), now);

        assertThat(shuffled).isEqualTo(ordered);
        // 10:00–11:30 + 12:00–12:15 = 1.75 h
        assertThat(sum(ordered, Meter.SERVER_HOURS)).isEqualByComparingTo("1.75");
    }

    @Test
    void aReplayedEventIsAcceptedOnceAndAReusedIdWithOtherContentIsRefused() {
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        var created = server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE);

        assertThat(ledger.accept(created)).isTrue();
        assertThat(ledger.accept(created)).isFalse();
        assertThatThrownBy(() -> ledger.accept(server("e1", "vm1", DELETED, "2024-01-01T11:00:00Z", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("e1");
    }

    @Test
    void aLateEventIsPickedUpByReprocessingWhichReplacesRecordsUnderTheirStableIds() {
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        BillingPeriod jan = BillingPeriod.of(2024, 1);
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.accept(server("e3", "vm1", DELETED, "2024-01-01T14:00:00Z", null));
        List<UsageRecord> before = ledger.close("acme", jan);
        assertThat(sum(before, Meter.SERVER_HOURS)).isEqualByComparingTo("4");

        // The stop at 12:00 arrives late: only 2 hours were actually used.
        ledger.accept(server("e2", "vm1", STOPPED, "2024-01-01T12:00:00Z", null));
        Reprocessing r = ledger.reprocess("acme", jan, "late STOPPED event from nova");
        Reprocessing again = ledger.reprocess("acme", jan, "operator re-run");

        List<UsageRecord> after = ledger.storedUsage("acme", jan).orElseThrow();
        assertThat(sum(after, Meter.SERVER_HOURS)).isEqualByComparingTo("2");
        assertThat(r.removedIds()).hasSize(2 * 3); // hours 12 and 13 × (server, vCPU, GiB)
        assertThat(r.addedIds()).isEmpty();
        assertThat(again.changedAnything()).isFalse();
        assertThat(after).extracting(UsageRecord::id).doesNotHaveDuplicates();
        assertThat(ledger.reprocessings()).extracting(Reprocessing::reason).containsExactly("late STOPPED event from nova", "operator re-run");
    }

    @Test
    void egressIsAttributedToTheHourItWasReportedInAndCountedInDecimalGigabytes() {
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        ledger.accept(event("e1", "acme", "vm1", ResourceKind.SERVER, CREATED, "2024-01-01T10:00:00Z", M1_LARGE, 0));
        ledger.accept(event("e2", "acme", "vm1", ResourceKind.SERVER, REPORTED, "2024-01-01T10:59:59Z", null, 1_500_000_000L));
        ledger.accept(event("e3", "acme", "vm1", ResourceKind.SERVER, REPORTED, "2024-01-01T11:00:00Z", null, 250_000_000L));

        var egress = ledger.close("acme", BillingPeriod.of(2024, 1)).stream().filter(r -> r.meter() == Meter.EGRESS_GB).toList();

        assertThat(egress).extracting(UsageRecord::start, UsageRecord::quantity).containsExactly(
                org.assertj.core.groups.Tuple.tuple(at("2024-01-01T10:00:00Z"), q("1.5")),
                org.assertj.core.groups.Tuple.tuple(at("2024-01-01T11:00:00Z"), q("0.25")));
    }

    @Test
    void containersProduceContainerMetersWithFractionalCpus() {
        // 0.5 vCPU and 512 MiB (0.5 GiB) for 2 hours: 1 vCPU-h, 1 GiB-h.
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        ledger.accept(event("e1", "acme", "pod1", ResourceKind.CONTAINER, CREATED, "2024-01-01T10:00:00Z", ResourceSpec.container("0.5", 512), 0));
        ledger.accept(event("e2", "acme", "pod1", ResourceKind.CONTAINER, DELETED, "2024-01-01T12:00:00Z", null, 0));

        var usage = ledger.close("acme", BillingPeriod.of(2024, 1));

        assertThat(sum(usage, Meter.CONTAINER_VCPU_HOURS)).isEqualByComparingTo("1");
        assertThat(sum(usage, Meter.CONTAINER_GIB_HOURS)).isEqualByComparingTo("1");
        assertThat(sum(usage, Meter.SERVER_HOURS)).isZero();
    }
}
