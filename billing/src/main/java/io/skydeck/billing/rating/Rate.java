package io.skydeck.billing.rating;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * The price of one meter: a fixed part charged once per billing period in which the meter is used,
 * and a variable part on the quantity.
 */
public record Rate(BigDecimal fixedPerPeriod, Price variable) {
    public Rate {
        fixedPerPeriod = Rounding.unitPrice(fixedPerPeriod);
        Objects.requireNonNull(variable, "variable");
    }

    public static Rate of(Price variable) {
        return new Rate(BigDecimal.ZERO, variable);
    }

    public static Rate perUnit(String unitPrice) {
        return of(Price.PerUnit.of(unitPrice));
    }
}
