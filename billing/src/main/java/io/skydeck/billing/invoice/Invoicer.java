package io.skydeck.billing.invoice;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.rating.ChargeKind;
import io.skydeck.billing.rating.RatedCharge;
import io.skydeck.billing.rating.RatedUsage;
import io.skydeck.billing.rating.Rounding;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Makes monthly invoices from rated usage, finalizes them, and turns a re-rating of an already
 * finalized month into correction lines for a later invoice.
 *
 * <p>Every regular line is one {@link RatedCharge} (same id, same amount), so the invoice total
 * is the rated total by construction and each line carries its usage record ids.
 */
public final class Invoicer {

    private final Clock clock;

    public Invoicer(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The invoice id of a tenant's month: stable, so a regenerated draft keeps its id. */
    public static String invoiceId(String tenantId, BillingPeriod period) {
        return "inv-" + UUID.nameUUIDFromBytes((tenantId + "|" + period).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A draft for the tenant's month from its rated usage, plus correction lines of earlier,
     * finalized months (see {@link #corrections}).
     */
    public Invoice draft(String tenantId, BillingPeriod period, String currency, RatedUsage rated, List<InvoiceLine> corrections) {
        if (!rated.tenantId().equals(tenantId) || !rated.period().equals(period)) {
            throw new IllegalArgumentException("rated usage of " + rated.tenantId() + " " + rated.period()
                    + " cannot go on the invoice of " + tenantId + " " + period);
        }
        List<InvoiceLine> lines = new ArrayList<>();
        for (RatedCharge c : rated.charges()) {
            lines.add(new InvoiceLine(c.id(), ChargeClass.REGULAR, c.kind(), describe(c), c.provider(), c.region(), c.meter(),
                    c.flavor(), c.rateCardRef(), c.commitmentId(), period.start(), period.end(), c.quantity(), c.unit(),
                    c.unitPrice(), c.amount(), c.listAmount(), c.currency(), c.usageRecordIds(), null, c.lineKey()));
        }
        lines.addAll(corrections);
        return new Invoice(invoiceId(tenantId, period), tenantId, period, currency, InvoiceStatus.DRAFT, lines,
                clock.instant(), null);
    }

    public Invoice finalizeInvoice(Invoice draft) {
        return draft.finalizeAt(clock.instant());
    }

    /**
     * Correction lines for a finalized invoice whose month was re-rated (after reprocessing or a
     * late event): for every charge, the difference between the re-rated amount and what was
     * already invoiced for it — the original line plus corrections already on later finalized
     * invoices. Nothing is emitted for charges that did not change, so running this twice after
     * the first correction was finalized yields nothing.
     */
    public List<InvoiceLine> corrections(Invoice original, Collection<Invoice> laterInvoices, RatedUsage rerated) {
        if (!original.isFinalized()) {
            throw new IllegalArgumentException("only a finalized invoice is corrected; regenerate the draft instead");
        }
        Map<String, InvoiceLine> invoiced = new TreeMap<>();
        Map<String, BigDecimal[]> billed = new TreeMap<>(); // lineKey → {quantity, amount, list}
        for (InvoiceLine l : original.lines()) {
            accumulate(billed, invoiced, l);
        }
        for (Invoice later : laterInvoices) {
            if (later.isFinalized()) {
                later.lines().stream().filter(l -> original.id().equals(l.correctsInvoiceId())).forEach(l -> accumulate(billed, invoiced, l));
            }
        }
        Map<String, RatedCharge> now = new TreeMap<>();
        for (RatedCharge c : rerated.charges()) {
            now.put(c.lineKey(), c);
        }
        TreeSet<String> keys = new TreeSet<>(billed.keySet());
        keys.addAll(now.keySet());
        List<InvoiceLine> out = new ArrayList<>();
        BigDecimal zero = BigDecimal.ZERO.setScale(Rounding.AMOUNT_SCALE);
        for (String key : keys) {
            BigDecimal[] was = billed.getOrDefault(key, new BigDecimal[] {BigDecimal.ZERO, zero, zero});
            RatedCharge c = now.get(key);
            BigDecimal quantity = c == null ? BigDecimal.ZERO : c.quantity();
            BigDecimal amount = c == null ? zero : c.amount();
            BigDecimal list = c == null ? zero : c.listAmount();
            BigDecimal deltaAmount = amount.subtract(was[1]);
            BigDecimal deltaQuantity = quantity.subtract(was[0]);
            if (deltaAmount.signum() == 0 && deltaQuantity.signum() == 0) {
                continue;
            }
            InvoiceLine template = invoiced.get(key);
            String id = "corr-" + UUID.nameUUIDFromBytes(String.join("|", original.id(), key, was[1].toPlainString(),
                    amount.toPlainString()).getBytes(StandardCharsets.UTF_8));
            out.add(new InvoiceLine(id, ChargeClass.CORRECTION,
                    c != null ? c.kind() : template.kind(),
                    "Correction of " + original.period() + ": " + (c != null ? describe(c) : template.description()),
                    c != null ? c.provider() : template.provider(), c != null ? c.region() : template.region(),
                    c != null ? c.meter() : template.meter(), c != null ? c.flavor() : template.flavor(),
                    c != null ? c.rateCardRef() : template.rateCardRef(), c != null ? c.commitmentId() : template.commitmentId(),
                    original.period().start(), original.period().end(), deltaQuantity,
                    c != null ? c.unit() : template.unit(), Rounding.averageUnitPrice(deltaAmount, deltaQuantity),
                    deltaAmount, list.subtract(was[2]), original.currency(),
                    c != null ? c.usageRecordIds() : template.usageRecordIds(), original.id(), key));
        }
        return out;
    }

    private static void accumulate(Map<String, BigDecimal[]> billed, Map<String, InvoiceLine> invoiced, InvoiceLine l) {
        invoiced.putIfAbsent(l.lineKey(), l);
        BigDecimal[] sums = billed.computeIfAbsent(l.lineKey(), k -> new BigDecimal[] {BigDecimal.ZERO,
                BigDecimal.ZERO.setScale(Rounding.AMOUNT_SCALE), BigDecimal.ZERO.setScale(Rounding.AMOUNT_SCALE)});
        sums[0] = sums[0].add(l.quantity());
        sums[1] = sums[1].add(l.amount());
        sums[2] = sums[2].add(l.listAmount());
    }

    static String describe(RatedCharge c) {
        String what = switch (c.kind()) {
            case USAGE -> c.meter().serviceName() + " " + c.meter().name().toLowerCase().replace('_', '-');
            case FIXED_FEE -> "Fixed fee " + c.meter().serviceName() + " " + c.meter().name().toLowerCase().replace('_', '-');
            case COMMITMENT_USED -> "Commitment " + c.commitmentId() + " used";
            case COMMITMENT_UNUSED -> "Commitment " + c.commitmentId() + " unused";
        };
        String flavor = c.flavor() == null || c.flavor().isEmpty() ? "" : " " + c.flavor();
        String where = c.region() == null ? " (" + c.provider() + ")" : " (" + c.provider() + " " + c.region() + ")";
        return what + flavor + where;
    }

    /** Whether a charge kind is a commitment portion; used by writers. */
    static boolean isCommitment(ChargeKind kind) {
        return kind == ChargeKind.COMMITMENT_USED || kind == ChargeKind.COMMITMENT_UNUSED;
    }
}
