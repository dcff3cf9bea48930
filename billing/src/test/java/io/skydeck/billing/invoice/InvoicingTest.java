package io.skydeck.billing.invoice;

import static io.skydeck.billing.Fixtures.M1_LARGE;
import static io.skydeck.billing.Fixtures.clockAt;
import static io.skydeck.billing.Fixtures.server;
import static io.skydeck.billing.metering.LifecycleEventKind.CREATED;
import static io.skydeck.billing.metering.LifecycleEventKind.DELETED;
import static io.skydeck.billing.metering.LifecycleEventKind.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.skydeck.billing.bills.BillImport;
import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.MeteringLedger;
import io.skydeck.billing.rating.RateCard;
import io.skydeck.billing.rating.RateCatalog;
import io.skydeck.billing.rating.RateKey;
import io.skydeck.billing.rating.Rate;
import io.skydeck.billing.rating.RatedUsage;
import io.skydeck.billing.rating.UsageRater;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InvoicingTest {

    static final BillingPeriod JAN = BillingPeriod.of(2024, 1);
    static final BillingPeriod FEB = BillingPeriod.of(2024, 2);
    static final UsageRater RATER = new UsageRater(new RateCatalog(List.of(new RateCard("list", 1, "aws", "*", "EUR",
            Instant.parse("2023-01-01T00:00:00Z"), null, null, Map.of(RateKey.of(Meter.SERVER_HOURS), Rate.perUnit("0.10"),
            RateKey.of(Meter.VCPU_HOURS), Rate.perUnit("0.01"), RateKey.of(Meter.MEMORY_GIB_HOURS), Rate.perUnit("0.005"))))));

    private RatedUsage rated(MeteringLedger ledger, BillingPeriod period) {
        return RATER.rate("acme", period, ledger.storedUsage("acme", period).orElseThrow(), List.of());
    }

    @Test
    void aServerProratedAcrossTheMonthBoundaryIsInvoicedInBothMonths() {
        // Jan 31 22:00 → Feb 1 03:00: 2 h in January, 3 h in February.
        // Per hour: 0.10 server + 4 vCPU × 0.01 + 8 GiB × 0.005 = 0.10 + 0.04 + 0.04 = 0.18
        // January 2 h → 0.20 + 0.08 + 0.08 = 0.36; February 3 h → 0.30 + 0.12 + 0.12 = 0.54
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-03-01T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-31T22:00:00Z", M1_LARGE));
        ledger.accept(server("e2", "vm1", DELETED, "2024-02-01T03:00:00Z", null));
        ledger.close("acme", JAN);
        ledger.close("acme", FEB);
        Invoicer invoicer = new Invoicer(clockAt("2024-03-01T01:00:00Z"));

        Invoice jan = invoicer.draft("acme", JAN, "EUR", rated(ledger, JAN), List.of());
        Invoice feb = invoicer.draft("acme", FEB, "EUR", rated(ledger, FEB), List.of());

        assertThat(jan.total()).isEqualTo("0.36");
        assertThat(feb.total()).isEqualTo("0.54");
    }

    @Test
    void everyInvoiceLineTracesBackToTheUsageRecordsItCameFrom() {
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.accept(server("e2", "vm1", DELETED, "2024-01-01T12:00:00Z", null));
        var usage = ledger.close("acme", JAN);

        Invoice invoice = new Invoicer(clockAt("2024-02-01T00:00:00Z")).draft("acme", JAN, "EUR", rated(ledger, JAN), List.of());

        List<String> traced = invoice.lines().stream().flatMap(l -> l.usageRecordIds().stream()).toList();
        assertThat(traced).containsExactlyInAnyOrderElementsOf(usage.stream().map(r -> r.id()).toList());
    }

    @Test
    void finalizedInvoiceCannotChange() {
        Invoicer invoicer = new Invoicer(clockAt("2024-02-01T00:00:00Z"));
        Invoice finalized = invoicer.finalizeInvoice(invoicer.draft("acme", JAN, "EUR", new RatedUsage("acme", JAN, List.of(), List.of()), List.of()));

        assertThat(finalized.finalizedAt()).isEqualTo(Instant.parse("2024-02-01T00:00:00Z"));
        assertThatThrownBy(() -> finalized.withLines(List.of())).isInstanceOf(FinalizedInvoiceException.class);
        assertThatThrownBy(() -> invoicer.finalizeInvoice(finalized)).isInstanceOf(FinalizedInvoiceException.class);
    }

    @Test
    void aCorrectionAfterFinalizationBecomesACorrectionLineOnTheNextInvoice() {
        // January was invoiced with 4 h (10:00–14:00): 4 × 0.18 = 0.72.
        // A late STOPPED at 12:00 shows only 2 h were used: 0.36. The correction is 0.36 − 0.72 = −0.36,
        // split per charge: server −0.20, vCPU −0.08, GiB −0.08.
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-10T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.accept(server("e3", "vm1", DELETED, "2024-01-01T14:00:00Z", null));
        ledger.close("acme", JAN);
        Invoicer invoicer = new Invoicer(clockAt("2024-02-01T00:00:00Z"));
        Invoice jan = invoicer.finalizeInvoice(invoicer.draft("acme", JAN, "EUR", rated(ledger, JAN), List.of()));
        assertThat(jan.total()).isEqualTo("0.72");

        ledger.accept(server("e2", "vm1", STOPPED, "2024-01-01T12:00:00Z", null));
        ledger.reprocess("acme", JAN, "late STOPPED event");
        List<InvoiceLine> corrections = invoicer.corrections(jan, List.of(), rated(ledger, JAN));
        ledger.close("acme", FEB);
        Invoice feb = invoicer.finalizeInvoice(invoicer.draft("acme", FEB, "EUR", rated(ledger, FEB), corrections));

        assertThat(jan.total()).isEqualTo("0.72"); // the finalized invoice is untouched
        assertThat(feb.lines()).allSatisfy(l -> {
            assertThat(l.chargeClass()).isEqualTo(ChargeClass.CORRECTION);
            assertThat(l.correctsInvoiceId()).isEqualTo(jan.id());
            assertThat(l.chargePeriodStart()).isEqualTo(JAN.start());
        });
        assertThat(feb.lines()).extracting(InvoiceLine::amount).containsExactlyInAnyOrder(
                new BigDecimal("-0.20"), new BigDecimal("-0.08"), new BigDecimal("-0.08"));
        assertThat(feb.total()).isEqualTo("-0.36");
        // Once the correction is finalized, correcting again finds nothing new.
        assertThat(invoicer.corrections(jan, List.of(feb), rated(ledger, JAN))).isEmpty();
    }

    @Test
    void theFocusExportHasEveryMandatoryFocus12ColumnAndReadsBackAsFocus() {
        MeteringLedger ledger = new MeteringLedger(clockAt("2024-02-01T00:00:00Z"));
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.accept(server("e2", "vm1", DELETED, "2024-01-01T12:00:00Z", null));
        ledger.close("acme", JAN);
        Invoicer invoicer = new Invoicer(clockAt("2024-02-01T00:00:00Z"));
        Invoice jan = invoicer.finalizeInvoice(invoicer.draft("acme", JAN, "EUR", rated(ledger, JAN), List.of()));
        StringWriter out = new StringWriter();

        FocusChargesWriter.write("Acme Ltd, Berlin", List.of(jan), Map.of(), out);

        String header = out.toString().lines().findFirst().orElseThrow();
        assertThat(header.split(",")).contains("BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
                "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
                "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
                "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName");
        List<BillLine> back = new ArrayList<>();
        try (BillImport in = BillImport.open(new ByteArrayInputStream(out.toString().getBytes(StandardCharsets.UTF_8)))) {
            in.forEachRemaining(back::add);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        // 2 h: server 0.20, vCPU 0.08, GiB 0.08
        assertThat(back).extracting(BillLine::billedCost).containsExactlyInAnyOrder(
                new BigDecimal("0.20"), new BigDecimal("0.08"), new BigDecimal("0.08"));
        assertThat(back).allSatisfy(l -> assertThat(l.chargePeriodStart()).isEqualTo(JAN.start()));
    }

    @Test
    void theInvoiceCsvHasOneRowPerLine() {
        Clock clock = clockAt("2024-02-01T00:00:00Z");
        MeteringLedger ledger = new MeteringLedger(clock);
        ledger.accept(server("e1", "vm1", CREATED, "2024-01-01T10:00:00Z", M1_LARGE));
        ledger.close("acme", JAN);
        Invoice jan = new Invoicer(clock).draft("acme", JAN, "EUR", rated(ledger, JAN), List.of());
        StringWriter out = new StringWriter();

        InvoiceCsvWriter.write(jan, out);

        assertThat(out.toString().lines()).hasSize(1 + jan.lines().size());
    }
}
