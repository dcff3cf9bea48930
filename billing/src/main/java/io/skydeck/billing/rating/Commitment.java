package io.skydeck.billing.rating;

import io.skydeck.billing.metering.Meter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A commitment discount a tenant bought: it pays for the commitment whether it uses it or not,
 * and usage it covers is not charged on demand. Both kinds are applied hour by hour, the way
 * providers apply reservations and savings plans, which is why usage records are hourly.
 */
public sealed interface Commitment permits Commitment.ReservedCapacity, Commitment.SpendCommitment {

    String id();

    String tenantId();

    String provider();

    String currency();

    Instant from();

    Instant to();

    /** FOCUS CommitmentDiscountCategory: "Usage" or "Spend". */
    String category();

    default boolean activeAt(Instant hour) {
        return !hour.isBefore(from()) && hour.isBefore(to());
    }

    /**
     * Reserved capacity: up to {@code unitsPerHour} units of one meter (and flavor, if given) in one
     * region are covered each hour at {@code committedUnitPrice} instead of the on-demand price.
     * There is no size flexibility: an m1.large reservation never covers an m1.xlarge.
     */
    record ReservedCapacity(String id, String tenantId, String provider, String region, Meter meter, String flavor,
                            BigDecimal unitsPerHour, BigDecimal committedUnitPrice, String currency, Instant from, Instant to)
            implements Commitment {
        public ReservedCapacity {
            Objects.requireNonNull(id, "id");
            committedUnitPrice = Rounding.unitPrice(committedUnitPrice);
            if (unitsPerHour.signum() <= 0 || !to.isAfter(from)) {
                throw new IllegalArgumentException("reserved capacity " + id + " needs positive units and from < to");
            }
        }

        @Override
        public String category() {
            return "Usage";
        }
    }

    /**
     * Spend commitment (savings-plan style): the tenant commits to {@code hourlyCommitment} of
     * discounted spend per hour on a provider. Each hour, eligible usage priced per unit is
     * discounted by {@code discountRate} (0.30 = 30 % off) and paid from the commitment until it is
     * used up; the rest of the hour's usage is on demand; what the hour leaves unused is still due.
     */
    record SpendCommitment(String id, String tenantId, String provider, BigDecimal hourlyCommitment,
                           BigDecimal discountRate, String currency, Instant from, Instant to) implements Commitment {
        public SpendCommitment {
            Objects.requireNonNull(id, "id");
            hourlyCommitment = Rounding.unitPrice(hourlyCommitment);
            if (hourlyCommitment.signum() <= 0 || discountRate.signum() < 0 || discountRate.compareTo(BigDecimal.ONE) >= 0
                    || !to.isAfter(from)) {
                throw new IllegalArgumentException("spend commitment " + id + " is not valid");
            }
        }

        @Override
        public String category() {
            return "Spend";
        }
    }
}
