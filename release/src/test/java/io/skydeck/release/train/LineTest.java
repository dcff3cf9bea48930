package io.skydeck.release.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LineTest {

    static final Instant MIDNIGHT = Instant.parse("2026-12-01T00:00:00Z");
    static final Timetable EVERY_TWO_HOURS = Timetable.every(Duration.ofHours(2), MIDNIGHT);

    static Instant at(String time) {
        return Instant.parse("2026-12-01T" + time + ":00Z");
    }

    @Test
    void aTicketTakesTheFirstTrainAtOrAfterTheAppIsReady() {
        Line line = new Line("web", EVERY_TWO_HOURS, false, Isolation.PER_APP);
        assertThat(line.book("shop", at("09:10"), at("08:00"), false).departure()).isEqualTo(at("10:00"));
        assertThat(line.book("cart", at("10:00"), at("08:00"), false).departure()).isEqualTo(at("10:00"));
        // Ready in the past: the next train from now, not one that already left.
        assertThat(line.book("search", at("01:00"), at("08:30"), false).departure()).isEqualTo(at("10:00"));
    }

    @Test
    void anAppReadyEarlyTakesAnExpressWhereThePoolAllowsIt() {
        Line strict = new Line("payments", EVERY_TWO_HOURS, false, Isolation.PER_APP);
        assertThatThrownBy(() -> strict.book("pay", at("08:05"), at("08:05"), true))
                .isInstanceOf(TrainRefused.class)
                .hasMessage("express: pool payments takes no express departures; the next train leaves at 2026-12-01T10:00:00Z");
        Line open = new Line("web", EVERY_TWO_HOURS, true, Isolation.PER_APP);
        Booking express = open.book("shop", at("08:05"), at("08:05"), true);
        assertThat(express.departure()).isEqualTo(at("08:05"));
        assertThat(express.express()).isTrue();
    }

    @Test
    void anAppThatMissesItsTrainIsRebookedOnTheNextOne() {
        Line line = new Line("web", EVERY_TWO_HOURS, false, Isolation.PER_APP);
        line.book("shop", at("09:00"), at("09:00"), false);
        line.book("cart", at("09:30"), at("09:30"), false);
        Line.Departure ten = line.depart(at("10:00"), Set.of("shop"));
        assertThat(ten.carriage().apps()).containsExactly("shop");
        assertThat(ten.rebooked()).containsExactly(new Booking("cart", at("12:00"), false, 1));
        assertThat(line.bookings()).containsExactly(new Booking("cart", at("12:00"), false, 1));
        assertThatThrownBy(() -> line.book("cart", at("11:00"), at("11:00"), false)).hasMessageStartingWith("app: cart already holds");
    }

    @Test
    void insideACarriageOneFailureRollsBackThatAppOnlyUnlessThePoolAsksForAllOrNothing() {
        Carriage isolated = new Carriage("web", at("10:00"), java.util.List.of("shop", "cart", "search"), Isolation.PER_APP);
        assertThat(isolated.settle(Map.of("shop", true, "cart", false, "search", true))).containsExactly(
                Map.entry("shop", Carriage.Outcome.RELEASED), Map.entry("cart", Carriage.Outcome.ROLLED_BACK),
                Map.entry("search", Carriage.Outcome.RELEASED));
        Carriage together = new Carriage("web", at("10:00"), java.util.List.of("shop", "cart"), Isolation.ALL_OR_NOTHING);
        assertThat(together.settle(Map.of("shop", true, "cart", false))).containsExactly(
                Map.entry("shop", Carriage.Outcome.ROLLED_BACK_WITH_CARRIAGE), Map.entry("cart", Carriage.Outcome.ROLLED_BACK));
        assertThat(together.settle(Map.of("shop", true, "cart", true))).containsOnlyKeys("shop", "cart")
                .containsValues(Carriage.Outcome.RELEASED);
    }

    @Test
    void theTimetableCountsFromItsAnchor() {
        Timetable t = Timetable.every(Duration.ofMinutes(90), at("00:30"));
        assertThat(t.departureAtOrAfter(at("00:00"))).isEqualTo(at("00:30"));
        assertThat(t.departureAtOrAfter(at("00:30"))).isEqualTo(at("00:30"));
        assertThat(t.departureAtOrAfter(at("00:31"))).isEqualTo(at("02:00"));
        assertThatThrownBy(() -> Timetable.every(Duration.ZERO, MIDNIGHT)).hasMessage("interval: PT0S is not positive");
    }
}
