package io.skydeck.billing.metering;

import java.time.Instant;
import java.util.List;

/**
 * What a reprocessing run changed, kept for the audit trail (CloudKitty-style: who asked, why).
 *
 * @param removedIds records that existed before and are gone now
 * @param addedIds   records that did not exist before
 * @param changedIds records kept under the same id with a different quantity
 */
public record Reprocessing(
        String tenantId,
        BillingPeriod period,
        String reason,
        Instant at,
        List<String> removedIds,
        List<String> addedIds,
        List<String> changedIds) {

    public boolean changedAnything() {
        return !removedIds.isEmpty() || !addedIds.isEmpty() || !changedIds.isEmpty();
    }
}
