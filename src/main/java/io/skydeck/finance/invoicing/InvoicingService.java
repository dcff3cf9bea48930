package io.skydeck.finance.invoicing;

import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.invoice.Invoice;
import io.skydeck.billing.invoice.InvoiceLine;
import io.skydeck.billing.invoice.Invoicer;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.rating.RatedCharge;
import io.skydeck.billing.rating.RatedUsage;
import io.skydeck.billing.rating.UsageRater;
import io.skydeck.finance.rating.Commitments;
import io.skydeck.finance.rating.RateCards;
import io.skydeck.finance.usage.UsageLedger;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Drafts a tenant's monthly invoice from stored usage rated with the catalog, and finalizes it.
 *
 * <p>A finalized month is never touched again: when its usage was reprocessed since, the next
 * draft of a later month carries correction lines (FOCUS ChargeClass=Correction) for the
 * difference between the re-rated month and what was already invoiced for it.
 */
@ApplicationScoped
public class InvoicingService {

    private static final String DEFAULT_CURRENCY = "USD";

    @Inject
    Invoices invoices;

    @Inject
    UsageLedger usage;

    @Inject
    RateCards rateCards;

    @Inject
    Commitments commitments;

    @Inject
    AuditLog audit;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    @Transactional
    public Invoices.StoredInvoice draft(UUID tenantId, BillingPeriod period, Optional<String> currency) {
        lockTenant(tenantId);
        String id = Invoicer.invoiceId(tenantId.toString(), period);
        List<Invoices.StoredInvoice> all = invoices.ofTenant(tenantId);
        if (all.stream().anyMatch(s -> s.invoice().id().equals(id) && s.invoice().isFinalized())) {
            throw new ProblemException(ProblemType.CONFLICT, "invoice " + id + " of " + period
                    + " is finalized and never changes; a correction goes on a later month's invoice");
        }
        UsageRater rater = new UsageRater(rateCards.catalog());
        RatedUsage rated = rater.rate(tenantId.toString(), period, usage.stored(tenantId, period),
                commitments.inForce(tenantId, period));
        List<InvoiceLine> corrections = corrections(tenantId, period, id, all, rater);
        String chosen = currency.orElseGet(() -> rated.charges().stream().map(RatedCharge::currency).findFirst()
                .or(() -> corrections.stream().map(InvoiceLine::currency).findFirst()).orElse(DEFAULT_CURRENCY));
        Invoicer invoicer = new Invoicer(clock);
        Invoice draft;
        try {
            draft = invoicer.draft(tenantId.toString(), period, chosen, rated, corrections);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(ProblemType.CONFLICT, "cannot put these charges on one invoice: " + e.getMessage());
        }
        invoices.saveDraft(draft, rated.unrated().size(), clock.instant());
        audit.record("invoice.drafted", "invoice", id, tenantId, Map.of("period", period.toString(), "total",
                draft.total().toPlainString(), "lines", draft.lines().size(), "unratedRecords", rated.unrated().size()));
        return invoices.find(id).orElseThrow();
    }

    @Transactional
    public Invoices.StoredInvoice finalizeInvoice(Invoices.StoredInvoice stored) {
        Invoice invoice = stored.invoice();
        lockTenant(UUID.fromString(invoice.tenantId()));
        if (stored.unratedRecords() > 0) {
            throw new ProblemException(ProblemType.CONFLICT, "invoice " + invoice.id() + " has " + stored.unratedRecords()
                    + " usage records no rate card prices; add a rate card and draft it again before finalizing");
        }
        Instant at = clock.instant();
        if (!invoices.markFinalized(invoice.id(), at)) {
            throw new ProblemException(ProblemType.CONFLICT, "invoice " + invoice.id() + " is already finalized");
        }
        audit.record("invoice.finalized", "invoice", invoice.id(), UUID.fromString(invoice.tenantId()),
                Map.of("period", invoice.period().toString(), "total", invoice.total().toPlainString()));
        return invoices.find(invoice.id()).orElseThrow();
    }

    /**
     * Corrections of every earlier finalized month. What other invoices already carry for a month
     * counts as invoiced, drafts included: two open drafts must not both carry the same
     * correction, and whichever is regenerated later leaves it out.
     */
    private List<InvoiceLine> corrections(UUID tenantId, BillingPeriod period, String draftId, List<Invoices.StoredInvoice> all,
                                          UsageRater rater) {
        Invoicer invoicer = new Invoicer(clock);
        List<InvoiceLine> out = new ArrayList<>();
        for (Invoices.StoredInvoice s : all) {
            Invoice original = s.invoice();
            if (!original.isFinalized() || original.period().compareTo(period) >= 0) {
                continue;
            }
            // Commitments as recorded now: one recorded after a month was finalized is corrected for here too.
            RatedUsage rerated = rater.rate(tenantId.toString(), original.period(), usage.stored(tenantId, original.period()),
                    commitments.inForce(tenantId, original.period()));
            List<Invoice> carriers = all.stream().map(Invoices.StoredInvoice::invoice)
                    .filter(i -> !i.id().equals(draftId) && !i.id().equals(original.id()))
                    .map(i -> i.isFinalized() ? i : i.finalizeAt(i.createdAt()))
                    .toList();
            out.addAll(invoicer.corrections(original, carriers, rerated));
        }
        return out;
    }

    /** Drafting and finalizing one tenant's invoices take turns, so corrections are placed once. */
    private void lockTenant(UUID tenantId) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
            ps.setString(1, "invoice|" + tenantId);
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot lock the invoices of " + tenantId, e);
        }
    }
}
