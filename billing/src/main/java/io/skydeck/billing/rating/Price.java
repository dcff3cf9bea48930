package io.skydeck.billing.rating;

import java.math.BigDecimal;
import java.util.List;

/**
 * How a quantity of one meter in one billing period turns into money. Every variant returns the
 * exact (unrounded) amount; {@link Rounding} rounds once when a charge is made.
 */
public sealed interface Price permits Price.PerUnit, Price.Tiered, Price.Volume, Price.Flat {

    BigDecimal amountFor(BigDecimal quantity);

    /** The on-demand price of one more unit at zero usage; used for list-cost comparisons. */
    BigDecimal firstUnitPrice();

    /** quantity × unit price. */
    record PerUnit(BigDecimal unitPrice) implements Price {
        public PerUnit {
            unitPrice = Rounding.unitPrice(unitPrice);
        }

        public static PerUnit of(String unitPrice) {
            return new PerUnit(new BigDecimal(unitPrice));
        }

        @Override
        public BigDecimal amountFor(BigDecimal quantity) {
            return quantity.multiply(unitPrice);
        }

        @Override
        public BigDecimal firstUnitPrice() {
            return unitPrice;
        }
    }

    /** Graduated: each tier prices only the units that fall inside it. */
    record Tiered(List<Tier> tiers) implements Price {
        public Tiered {
            tiers = validTiers(tiers);
        }

        @Override
        public BigDecimal amountFor(BigDecimal quantity) {
            BigDecimal amount = BigDecimal.ZERO;
            BigDecimal lower = BigDecimal.ZERO;
            for (Tier t : tiers) {
                if (quantity.compareTo(lower) <= 0) {
                    break;
                }
                BigDecimal upper = t.upTo() == null || quantity.compareTo(t.upTo()) < 0 ? quantity : t.upTo();
                amount = amount.add(upper.subtract(lower).multiply(t.unitPrice()));
                lower = upper;
            }
            return amount;
        }

        @Override
        public BigDecimal firstUnitPrice() {
            return tiers.get(0).unitPrice();
        }
    }

    /** Volume: the tier the whole quantity reaches prices every unit. */
    record Volume(List<Tier> tiers) implements Price {
        public Volume {
            tiers = validTiers(tiers);
        }

        @Override
        public BigDecimal amountFor(BigDecimal quantity) {
            for (Tier t : tiers) {
                if (t.upTo() == null || quantity.compareTo(t.upTo()) <= 0) {
                    return quantity.multiply(t.unitPrice());
                }
            }
            throw new AssertionError("validated tiers end with an open tier");
        }

        @Override
        public BigDecimal firstUnitPrice() {
            return tiers.get(0).unitPrice();
        }
    }

    /** A fixed amount for any non-zero quantity in the period (a bundle, a licence). */
    record Flat(BigDecimal amount) implements Price {
        public Flat {
            amount = Rounding.unitPrice(amount);
        }

        @Override
        public BigDecimal amountFor(BigDecimal quantity) {
            return quantity.signum() > 0 ? amount : BigDecimal.ZERO;
        }

        @Override
        public BigDecimal firstUnitPrice() {
            return BigDecimal.ZERO;
        }
    }

    private static List<Tier> validTiers(List<Tier> tiers) {
        if (tiers.isEmpty() || tiers.get(tiers.size() - 1).upTo() != null) {
            throw new IllegalArgumentException("tiers must end with an open tier (upTo = null)");
        }
        BigDecimal last = BigDecimal.ZERO;
        for (int i = 0; i < tiers.size() - 1; i++) {
            BigDecimal upTo = tiers.get(i).upTo();
            if (upTo == null || upTo.compareTo(last) <= 0) {
                throw new IllegalArgumentException("tier bounds must be increasing and only the last may be open");
            }
            last = upTo;
        }
        return List.copyOf(tiers);
    }
}
