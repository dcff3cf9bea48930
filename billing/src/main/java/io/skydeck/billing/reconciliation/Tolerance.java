package io.skydeck.billing.reconciliation;

import java.math.BigDecimal;

/**
 * How far two numbers may be apart and still agree: within {@code absolute} or within
 * {@code relative} of the larger magnitude, whichever is looser. Quantities and money have their
 * own; providers round quantities differently (AWS to 9–10 decimals, others to the second).
 */
public record Tolerance(BigDecimal quantityAbsolute, BigDecimal quantityRelative, BigDecimal moneyAbsolute, BigDecimal moneyRelative) {

    /** 0.001 units or 0.1 %; one cent or 0.1 %. */
    public static Tolerance standard() {
        return new Tolerance(new BigDecimal("0.001"), new BigDecimal("0.001"), new BigDecimal("0.01"), new BigDecimal("0.001"));
    }

    boolean sameQuantity(BigDecimal a, BigDecimal b) {
        return within(a, b, quantityAbsolute, quantityRelative);
    }

    boolean sameMoney(BigDecimal a, BigDecimal b) {
        return within(a, b, moneyAbsolute, moneyRelative);
    }

    private static boolean within(BigDecimal a, BigDecimal b, BigDecimal absolute, BigDecimal relative) {
        BigDecimal diff = a.subtract(b).abs();
        return diff.compareTo(absolute) <= 0 || diff.compareTo(a.abs().max(b.abs()).multiply(relative)) <= 0;
    }
}
