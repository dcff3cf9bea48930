package io.skydeck.connectors.spi;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Objects;

/**
 * An amount in an ISO 4217 currency. Amounts are held at scale 10, the finest precision AWS
 * bills carry, so that a provider's figure is never rounded on its way in and two equal
 * amounts are {@code equals}. Rounding to cents happens in billing, at invoice-line level.
 */
public record Money(BigDecimal amount, Currency currency) {
    public static final int SCALE = 10;

    public Money {
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(currency, "currency");
        // UNNECESSARY: a provider figure finer than scale 10 is a surprise we want to see, not hide.
        amount = amount.setScale(SCALE, RoundingMode.UNNECESSARY);
    }

    public static Money of(String amount, String isoCurrency) {
        return new Money(new BigDecimal(amount), Currency.getInstance(isoCurrency));
    }

    public static Money zero(Currency currency) {
        return new Money(BigDecimal.ZERO, currency);
    }

    public Money plus(Money other) {
        requireSameCurrency(other);
        return new Money(amount.add(other.amount), currency);
    }

    /** This amount times a quantity, rounded half-even to scale 10. */
    public Money times(BigDecimal quantity) {
        return new Money(amount.multiply(quantity).setScale(SCALE, RoundingMode.HALF_EVEN), currency);
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
    }

    @Override
    public String toString() {
        return amount.stripTrailingZeros().toPlainString() + " " + currency.getCurrencyCode();
    }
}
