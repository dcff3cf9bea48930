package io.skydeck.release;

import io.skydeck.release.train.Timetable;
import org.quartz.CronExpression;

import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.TimeZone;

/**
 * A line's timetable from a Quartz cron expression in UTC — the syntax and zone of the service's
 * scheduled jobs — so the library's {@link io.skydeck.release.train.Line} books and rebooks on it.
 */
final class TrainCron implements Timetable {

    /** Departures closer than this are refused: the departure check runs every few seconds. */
    static final Duration MINIMUM_INTERVAL = Duration.ofMinutes(1);

    private final CronExpression cron;

    private TrainCron(CronExpression cron) {
        this.cron = cron;
    }

    /** The timetable, or {@link IllegalArgumentException} saying what is wrong with {@code expression}. */
    static TrainCron parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new IllegalArgumentException("is required (Quartz cron syntax, UTC, e.g. \"0 0 0/2 * * ?\": every two hours)");
        }
        CronExpression cron;
        try {
            cron = new CronExpression(expression.trim());
        } catch (ParseException | RuntimeException e) {
            throw new IllegalArgumentException("'" + expression + "' is not a Quartz cron expression: " + e.getMessage());
        }
        cron.setTimeZone(TimeZone.getTimeZone("UTC"));
        return new TrainCron(cron);
    }

    /** Refuses a timetable with no departure after {@code now}, or with departures less than a minute apart. */
    TrainCron requireUsable(Instant now) {
        Instant first = next(now);
        if (first == null) {
            throw new IllegalArgumentException("'" + cron.getCronExpression() + "' has no departure after " + now);
        }
        Instant second = next(first);
        if (second != null && Duration.between(first, second).compareTo(MINIMUM_INTERVAL) < 0) {
            throw new IllegalArgumentException("'" + cron.getCronExpression() + "' departs every " + Duration.between(first, second)
                    + "; departures must be at least " + MINIMUM_INTERVAL.toMinutes() + " minute apart");
        }
        return this;
    }

    @Override
    public Instant departureAtOrAfter(Instant instant) {
        // Quartz answers strictly after a whole second; step back one and keep only answers not before instant.
        Instant candidate = next(instant.minusSeconds(1));
        while (candidate != null && candidate.isBefore(instant)) {
            candidate = next(candidate);
        }
        if (candidate == null) {
            throw new IllegalStateException("the timetable '" + cron.getCronExpression() + "' has no departure after " + instant);
        }
        return candidate;
    }

    private Instant next(Instant after) {
        Date next = cron.getNextValidTimeAfter(Date.from(after));
        return next == null ? null : next.toInstant();
    }

    String expression() {
        return cron.getCronExpression();
    }
}
