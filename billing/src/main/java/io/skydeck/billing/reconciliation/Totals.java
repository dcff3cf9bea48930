package io.skydeck.billing.reconciliation;

import java.math.BigDecimal;

/** Both sides' money for one provider, tenant or service. */
public record Totals(BigDecimal skydeckList, BigDecimal skydeckEffective, BigDecimal providerList, BigDecimal providerEffective) {

    static final Totals ZERO = new Totals(BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);

    /** Provider effective cost minus ours: positive means the provider charged more than we expected. */
    public BigDecimal effectiveDifference() {
        return providerEffective.subtract(skydeckEffective);
    }

    Totals plus(Totals o) {
        return new Totals(skydeckList.add(o.skydeckList), skydeckEffective.add(o.skydeckEffective), providerList.add(o.providerList),
                providerEffective.add(o.providerEffective));
    }
}
