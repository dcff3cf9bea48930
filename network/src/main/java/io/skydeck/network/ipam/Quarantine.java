package io.skydeck.network.ipam;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * How long a released address rests before it is handed out again, so that a late packet, an ARP
 * cache or a DNS record still naming the old owner never reaches a new one.
 */
public record Quarantine(Duration period) {

    public Quarantine {
        Objects.requireNonNull(period, "period");
        if (period.isNegative()) {
            throw new IllegalArgumentException("a quarantine cannot be negative: " + period);
        }
    }

    /** Addresses released at or before this instant may be handed out at {@code now}. */
    public Instant cutoff(Instant now) {
        return now.minus(period);
    }

    public boolean isOver(Instant releasedAt, Instant now) {
        return !releasedAt.isAfter(cutoff(now));
    }
}
