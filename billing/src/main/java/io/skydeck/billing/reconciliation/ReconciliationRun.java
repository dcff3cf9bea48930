package io.skydeck.billing.reconciliation;

import io.skydeck.billing.metering.BillingPeriod;
import java.time.Instant;
import java.util.Map;

/**
 * The summary of one reconciliation of a period; the discrepancies themselves were streamed to the
 * caller's sink. Finance marks a completed run reconciled once the differences are explained.
 *
 * @param accountLevelLines provider lines with no resource or a non-usage category (tax, fees,
 *                          credits): in the totals, not matched per resource
 */
public record ReconciliationRun(
        String id,
        BillingPeriod period,
        Granularity granularity,
        Instant startedAt,
        Instant finishedAt,
        long meteredLinesRead,
        long billLinesRead,
        long accountLevelLines,
        Map<Discrepancy.Kind, Long> counts,
        Map<String, Totals> byProvider,
        Map<String, Totals> byTenant,
        Map<String, Totals> byService,
        String reconciledBy,
        Instant reconciledAt) {

    public ReconciliationRun {
        counts = Map.copyOf(counts);
        byProvider = Map.copyOf(byProvider);
        byTenant = Map.copyOf(byTenant);
        byService = Map.copyOf(byService);
    }

    public boolean isReconciled() {
        return reconciledAt != null;
    }

    public ReconciliationRun markReconciled(String by, Instant at) {
        if (isReconciled()) {
            throw new IllegalStateException("run " + id + " was already marked reconciled by " + reconciledBy);
        }
        return new ReconciliationRun(id, period, granularity, startedAt, finishedAt, meteredLinesRead, billLinesRead,
                accountLevelLines, counts, byProvider, byTenant, byService, by, at);
    }

    public long count(Discrepancy.Kind kind) {
        return counts.getOrDefault(kind, 0L);
    }
}
