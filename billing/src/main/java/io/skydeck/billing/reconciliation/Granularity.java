package io.skydeck.billing.reconciliation;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;

/** The period both sides are summed to before matching; coarser hides timing skew between clocks. */
public enum Granularity {
    HOUR, DAY, MONTH;

    Instant truncate(Instant at) {
        return switch (this) {
            case HOUR -> at.truncatedTo(ChronoUnit.HOURS);
            case DAY -> at.truncatedTo(ChronoUnit.DAYS);
            case MONTH -> at.atOffset(ZoneOffset.UTC).withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS).toInstant();
        };
    }
}
