package io.skydeck.billing.invoice;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.rating.Rounding;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A tenant's invoice for one month. Immutable: "changing" a draft makes a new draft, and a
 * finalized invoice cannot be turned into anything else — a later correction goes on a later
 * invoice as a {@link ChargeClass#CORRECTION} line.
 */
public record Invoice(
        String id,
        String tenantId,
        BillingPeriod period,
        String currency,
        InvoiceStatus status,
        List<InvoiceLine> lines,
        Instant createdAt,
        Instant finalizedAt) {

    public Invoice {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        lines = List.copyOf(lines);
        if ((status == InvoiceStatus.FINALIZED) != (finalizedAt != null)) {
            throw new IllegalArgumentException("finalizedAt is set exactly when the invoice is finalized");
        }
        for (InvoiceLine l : lines) {
            if (!l.currency().equals(currency)) {
                throw new IllegalArgumentException("line " + l.id() + " is in " + l.currency() + ", invoice in " + currency);
            }
        }
    }

    /** Sum of the line amounts, never rounded again (see {@link Rounding}). */
    public BigDecimal total() {
        return lines.stream().map(InvoiceLine::amount).reduce(BigDecimal.ZERO.setScale(Rounding.AMOUNT_SCALE), BigDecimal::add);
    }

    public boolean isFinalized() {
        return status == InvoiceStatus.FINALIZED;
    }

    /** The finalized copy of this draft. */
    public Invoice finalizeAt(Instant at) {
        requireDraft("finalize");
        return new Invoice(id, tenantId, period, currency, InvoiceStatus.FINALIZED, lines, createdAt, at);
    }

    /** A draft with other lines; refused once finalized. */
    public Invoice withLines(List<InvoiceLine> newLines) {
        requireDraft("change the lines of");
        return new Invoice(id, tenantId, period, currency, status, newLines, createdAt, null);
    }

    private void requireDraft(String action) {
        if (isFinalized()) {
            throw new FinalizedInvoiceException("cannot " + action + " invoice " + id + ": it is finalized");
        }
    }
}
