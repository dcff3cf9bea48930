package io.skydeck.finance.reconciliation;

import io.skydeck.billing.reconciliation.Discrepancy;
import io.skydeck.billing.reconciliation.ReconciliationKey;
import io.skydeck.billing.reconciliation.Side;
import io.skydeck.finance.SqlTime;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * A discrepancy as a flat row of the report: the key, then each side's numbers (null for the side
 * that has none). This is the shape of the table, the JSON list and the CSV report alike.
 */
public record DiscrepancyRow(long seq, Discrepancy.Kind kind, String resourceId, String usageType, Instant periodStart,
                             String tenantId, String service, BigDecimal skydeckQuantity, BigDecimal providerQuantity,
                             BigDecimal skydeckListCost, BigDecimal skydeckEffectiveCost, BigDecimal providerListCost,
                             BigDecimal providerEffectiveCost, String commitmentId) {

    static DiscrepancyRow of(long seq, Discrepancy d) {
        Side ours = null;
        Side theirs = null;
        switch (d.kind()) {
            case MATCHED -> {
                ours = ((Discrepancy.Matched) d).skydeck();
                theirs = ((Discrepancy.Matched) d).provider();
            }
            case QUANTITY_MISMATCH -> {
                ours = ((Discrepancy.QuantityMismatch) d).skydeck();
                theirs = ((Discrepancy.QuantityMismatch) d).provider();
            }
            case PRICE_MISMATCH -> {
                ours = ((Discrepancy.PriceMismatch) d).skydeck();
                theirs = ((Discrepancy.PriceMismatch) d).provider();
            }
            case COMMITMENT_DISCOUNT_EFFECT -> {
                ours = ((Discrepancy.CommitmentDiscountEffect) d).skydeck();
                theirs = ((Discrepancy.CommitmentDiscountEffect) d).provider();
            }
            case MISSING_FROM_PROVIDER_BILL -> ours = ((Discrepancy.MissingFromProviderBill) d).skydeck();
            case UNKNOWN_TO_SKYDECK -> theirs = ((Discrepancy.UnknownToSkydeck) d).provider();
        }
        ReconciliationKey k = d.key();
        String service = ours != null && ours.service() != null ? ours.service() : theirs == null ? null : theirs.service();
        return new DiscrepancyRow(seq, d.kind(), k.resourceId(), k.usageType(), k.periodStart(),
                ours == null ? null : ours.tenantId(), service,
                ours == null ? null : ours.quantity(), theirs == null ? null : theirs.quantity(),
                ours == null ? null : ours.listCost(), ours == null ? null : ours.effectiveCost(),
                theirs == null ? null : theirs.listCost(), theirs == null ? null : theirs.effectiveCost(),
                theirs == null ? null : theirs.commitmentId());
    }

    static DiscrepancyRow read(ResultSet rs) throws SQLException {
        return new DiscrepancyRow(rs.getLong("seq"), Discrepancy.Kind.valueOf(rs.getString("kind")), rs.getString("resource_id"),
                rs.getString("usage_type"), SqlTime.instant(rs, "period_start"), rs.getString("tenant_id"), rs.getString("service"),
                rs.getBigDecimal("skydeck_quantity"), rs.getBigDecimal("provider_quantity"), rs.getBigDecimal("skydeck_list_cost"),
                rs.getBigDecimal("skydeck_effective_cost"), rs.getBigDecimal("provider_list_cost"),
                rs.getBigDecimal("provider_effective_cost"), rs.getString("commitment_id"));
    }
}
