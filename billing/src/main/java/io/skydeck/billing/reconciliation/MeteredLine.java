package io.skydeck.billing.reconciliation;

import io.skydeck.billing.metering.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * Skydeck's side of reconciliation: what we metered of a provider resource and what we expect the
 * provider to charge us for it (list and effective, from the provider cost rate card and known
 * commitments). It is not the tenant's price: reconciliation checks the provider, not our margin.
 */
public record MeteredLine(String provider, String tenantId, String providerResourceId, String usageType,
                          Instant start, String service, BigDecimal quantity, BigDecimal listCost, BigDecimal effectiveCost) {

    /** A usage record priced at the expected provider unit prices. */
    public static MeteredLine of(UsageRecord r, String usageType, BigDecimal listUnitPrice, BigDecimal effectiveUnitPrice) {
        return new MeteredLine(r.provider(), r.tenantId(), r.providerResourceId(), usageType, r.start(), r.meter().serviceName(),
                r.quantity(), r.quantity().multiply(listUnitPrice), r.quantity().multiply(effectiveUnitPrice));
    }
}
