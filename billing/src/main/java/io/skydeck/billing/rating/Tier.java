package io.skydeck.billing.rating;

import java.math.BigDecimal;

/**
 * One step of a tiered price.
 *
 * @param upTo      the cumulative quantity where the tier ends (inclusive); {@code null} = no end
 * @param unitPrice price per unit inside the tier
 */
public record Tier(BigDecimal upTo, BigDecimal unitPrice) {
    public Tier {
        unitPrice = Rounding.unitPrice(unitPrice);
        if (upTo != null && upTo.signum() <= 0) {
            throw new IllegalArgumentException("tier bound must be positive: " + upTo);
        }
    }

    public static Tier upTo(String upTo, String unitPrice) {
        return new Tier(new BigDecimal(upTo), new BigDecimal(unitPrice));
    }

    public static Tier above(String unitPrice) {
        return new Tier(null, new BigDecimal(unitPrice));
    }
}
