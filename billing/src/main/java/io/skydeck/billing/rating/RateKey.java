package io.skydeck.billing.rating;

import io.skydeck.billing.metering.Meter;
import java.util.Objects;

/** What a rate prices: a meter, optionally only for one flavor ({@code ""} = any flavor). */
public record RateKey(Meter meter, String flavor) {
    public RateKey {
        Objects.requireNonNull(meter, "meter");
        Objects.requireNonNull(flavor, "flavor");
    }

    public static RateKey of(Meter meter) {
        return new RateKey(meter, "");
    }

    public static RateKey of(Meter meter, String flavor) {
        return new RateKey(meter, flavor);
    }
}
