package io.skydeck.release.train;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/** When a pool's trains leave. */
public interface Timetable {

    /** The first departure at or after {@code instant}. */
    Instant departureAtOrAfter(Instant instant);

    /** A train every {@code interval} from {@code anchor} on (the seed's line: every two hours). */
    static Timetable every(Duration interval, Instant anchor) {
        Objects.requireNonNull(anchor, "anchor");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " is not positive");
        }
        long step = interval.toMillis();
        long first = anchor.toEpochMilli();
        return instant -> {
            long since = instant.toEpochMilli() - first;
            long k = Math.max(0, Math.floorDiv(since + step - 1, step));
            return Instant.ofEpochMilli(first + k * step);
        };
    }
}
