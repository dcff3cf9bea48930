package io.skydeck.placement;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Objects;

/**
 * How a host prices what is placed on it, per hour. Prices have at most six decimal places:
 * the engine compares them as whole micro-units so that a price ceiling is exact, never
 * subject to floating-point rounding.
 */
public sealed interface HourlyRate permits HourlyRate.PerVcpu, HourlyRate.PerFlavor {

    /** A price for each vCPU of the demand (memory and GPUs are included). */
    record PerVcpu(BigDecimal perVcpu) implements HourlyRate {
        public PerVcpu {
            HourlyRate.micros(Objects.requireNonNull(perVcpu, "perVcpu"));
        }
    }

    /**
     * A price per named flavor, as public clouds sell instance types. A request that names no
     * flavor, or one this host does not sell, cannot be priced here and the price filter
     * rejects the host.
     */
    record PerFlavor(Map<String, BigDecimal> byFlavor) implements HourlyRate {
        public PerFlavor {
            byFlavor = Map.copyOf(byFlavor);
            byFlavor.values().forEach(HourlyRate::micros);
        }
    }

    static PerVcpu perVcpu(String price) {
        return new PerVcpu(new BigDecimal(price));
    }

    /** The price in millionths of the currency unit; refuses prices finer than that. */
    static long micros(BigDecimal price) {
        if (price.signum() < 0) {
            throw new IllegalArgumentException("a price cannot be negative: " + price);
        }
        try {
            return price.movePointRight(6).longValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a price has at most 6 decimal places: " + price, e);
        }
    }
}
