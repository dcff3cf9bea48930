package io.skydeck.billing.reconciliation;

import java.math.BigDecimal;

/**
 * One side's numbers for a key, summed over its lines.
 *
 * @param tenantId     Skydeck tenant (null on the provider side)
 * @param commitmentId a commitment discount that covered some of it (provider side), or null
 */
public record Side(String tenantId, String service, BigDecimal quantity, BigDecimal listCost, BigDecimal effectiveCost,
                   String commitmentId) {

    Side plus(Side o) {
        return new Side(tenantId != null ? tenantId : o.tenantId, service != null ? service : o.service,
                quantity.add(o.quantity), listCost.add(o.listCost), effectiveCost.add(o.effectiveCost),
                commitmentId != null ? commitmentId : o.commitmentId);
    }
}
