package io.skydeck.release.train;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One pool's release train, without the seed's three drawbacks: an app ready early may leave at
 * once on an express (when the pool allows it) instead of waiting for the departure; an app that
 * is not ready when its train leaves is rebooked on the next one by itself; and inside a carriage
 * one app's failure rolls back only that app unless the pool asks for all-or-nothing.
 */
public final class Line {

    /** A departure: the carriage that left, and the apps that missed it and were rebooked. */
    public record Departure(Carriage carriage, List<Booking> rebooked) {
        public Departure {
            rebooked = List.copyOf(rebooked);
        }
    }

    private final String pool;
    private final Timetable timetable;
    private final boolean expressAllowed;
    private final Isolation isolation;
    private final Map<String, Booking> bookings = new LinkedHashMap<>();

    public Line(String pool, Timetable timetable, boolean expressAllowed, Isolation isolation) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.timetable = Objects.requireNonNull(timetable, "timetable");
        this.expressAllowed = expressAllowed;
        this.isolation = Objects.requireNonNull(isolation, "isolation");
    }

    /**
     * Buys the app a ticket: the first departure at or after the moment it is ready (and not in
     * the past), or, as an express, the moment it is ready.
     */
    public Booking book(String app, Instant readyAt, Instant now, boolean express) {
        Objects.requireNonNull(app, "app");
        if (bookings.containsKey(app)) {
            throw new TrainRefused("app", app + " already holds a ticket for " + bookings.get(app).departure());
        }
        if (express && !expressAllowed) {
            throw new TrainRefused("express", "pool " + pool + " takes no express departures; the next train leaves at "
                    + timetable.departureAtOrAfter(later(readyAt, now)));
        }
        Instant from = later(readyAt, now);
        Booking booking = new Booking(app, express ? from : timetable.departureAtOrAfter(from), express, 0);
        bookings.put(app, booking);
        return booking;
    }

    /** Gives the ticket back; false when the app held none. */
    public boolean cancel(String app) {
        return bookings.remove(app) != null;
    }

    /** The tickets held, in the order bought. */
    public List<Booking> bookings() {
        return List.copyOf(bookings.values());
    }

    /**
     * The train of {@code departure} leaves with the apps booked on it that are {@code ready};
     * those not ready are rebooked on the next train.
     */
    public Departure depart(Instant departure, Set<String> ready) {
        List<String> boarding = new ArrayList<>();
        List<Booking> rebooked = new ArrayList<>();
        for (Booking b : List.copyOf(bookings.values())) {
            if (!b.departure().equals(departure)) {
                continue;
            }
            if (ready.contains(b.app())) {
                boarding.add(b.app());
                bookings.remove(b.app());
            } else {
                Booking next = new Booking(b.app(), timetable.departureAtOrAfter(departure.plusMillis(1)), false, b.rebooked() + 1);
                bookings.put(b.app(), next);
                rebooked.add(next);
            }
        }
        return new Departure(new Carriage(pool, departure, boarding, isolation), rebooked);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
