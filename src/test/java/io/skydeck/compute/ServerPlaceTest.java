package io.skydeck.compute;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A server's place in lists, as kept pages compare it: PostgreSQL's order, and V53's notation. */
class ServerPlaceTest {

    private static final Instant AT = Instant.parse("2026-12-02T12:00:00.123456Z");

    @Test
    void uuidsCompareAsPostgreSqlComparesThemUnsignedNotAsJavaDoes() {
        UUID low = UUID.fromString("7fffffff-ffff-ffff-ffff-ffffffffffff");
        UUID high = UUID.fromString("80000000-0000-0000-0000-000000000000");
        assertThat(high.compareTo(low)).as("Java's signed order").isNegative();
        assertThat(ServerPages.Place.of(AT, high)).isGreaterThan(ServerPages.Place.of(AT, low));
        UUID lowTail = UUID.fromString("00000000-0000-0000-7fff-ffffffffffff");
        UUID highTail = UUID.fromString("00000000-0000-0000-8000-000000000000");
        assertThat(ServerPages.Place.of(AT, highTail)).isGreaterThan(ServerPages.Place.of(AT, lowTail));
    }

    @Test
    void timeComesBeforeTheId() {
        UUID small = UUID.fromString("00000000-0000-0000-0000-000000000001");
        UUID big = UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff");
        assertThat(ServerPages.Place.of(AT.plusNanos(1_000), small)).isGreaterThan(ServerPages.Place.of(AT, big));
    }

    @Test
    void readsWhatTheTriggerSendsAndWritesTheSame() {
        UUID id = UUID.randomUUID();
        // psql: SELECT (extract(epoch FROM timestamptz '2026-12-02 12:00:00.123456+00') * 1000000)::bigint -> 1796212800123456
        ServerPages.Place place = ServerPages.Place.parse("1796212800123456 " + id);
        assertThat(place).isEqualTo(ServerPages.Place.of(AT, id));
        assertThat(place.detail()).isEqualTo("1796212800123456 " + id);
        assertThat(ServerPages.Place.parse("not a place")).isNull();
        assertThat(ServerPages.Place.parse("12 not-a-uuid")).isNull();
    }
}
