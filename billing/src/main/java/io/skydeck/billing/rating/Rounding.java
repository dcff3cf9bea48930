package io.skydeck.billing.rating;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The rounding rules of Skydeck billing, in one place.
 *
 * <ol>
 *   <li>Usage quantities come from metering at scale 9 (half-even, once per hourly record).</li>
 *   <li>Unit prices on rate cards and commitments are held at scale {@value #UNIT_PRICE_SCALE};
 *       a price with more decimals is rejected rather than silently rounded.</li>
 *   <li>Amounts are computed exactly (quantity × price, tier by tier) and rounded <b>once</b>,
 *       half-even to scale {@value #AMOUNT_SCALE}, when they become a charge (= an invoice line).
 *       Tier portions, commitment portions and per-record amounts are never rounded on their own,
 *       so a line does not carry the error of many small roundings.</li>
 *   <li>Invoice totals are the plain sum of the rounded lines; they are never rounded again, so
 *       the total always equals what a reader adds up from the lines.</li>
 *   <li>Divisions that cannot be exact (an average unit price, the share of a record a commitment
 *       covered) use {@link #DIVISION} (34 significant digits, half-even); the results are only
 *       ever inputs to step 3, and displayed unit prices are rounded half-even to scale 10.</li>
 * </ol>
 */
public final class Rounding {

    public static final int UNIT_PRICE_SCALE = 10;
    public static final int AMOUNT_SCALE = 2;
    public static final RoundingMode MODE = RoundingMode.HALF_EVEN;
    public static final MathContext DIVISION = MathContext.DECIMAL128;

    private Rounding() {
    }

    /** Rounds an exact amount to an invoice-line amount. */
    public static BigDecimal lineAmount(BigDecimal exact) {
        return exact.setScale(AMOUNT_SCALE, MODE);
    }

    /** Brings a rate-card price to scale 10; refuses prices that would lose precision. */
    public static BigDecimal unitPrice(BigDecimal price) {
        try {
            return price.setScale(UNIT_PRICE_SCALE, RoundingMode.UNNECESSARY);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("unit price has more than " + UNIT_PRICE_SCALE + " decimals: " + price, e);
        }
    }

    /** amount ÷ quantity, for display; zero when the quantity is zero. */
    public static BigDecimal averageUnitPrice(BigDecimal amount, BigDecimal quantity) {
        if (quantity.signum() == 0) {
            return BigDecimal.ZERO.setScale(UNIT_PRICE_SCALE);
        }
        return amount.divide(quantity, UNIT_PRICE_SCALE, MODE);
    }
}
