package io.skydeck.billing.rating;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.UsageRecord;
import java.math.BigDecimal;
import java.util.List;

/**
 * The result of rating a tenant's period.
 *
 * @param unrated usage no rate card priced; reported, never silently dropped or priced at zero
 */
public record RatedUsage(String tenantId, BillingPeriod period, List<RatedCharge> charges, List<UsageRecord> unrated) {
    public RatedUsage {
        charges = List.copyOf(charges);
        unrated = List.copyOf(unrated);
    }

    public BigDecimal total() {
        return charges.stream().map(RatedCharge::amount).reduce(BigDecimal.ZERO.setScale(Rounding.AMOUNT_SCALE), BigDecimal::add);
    }
}
