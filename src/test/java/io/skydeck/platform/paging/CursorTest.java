package io.skydeck.platform.paging;

import io.skydeck.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CursorTest {

    @Test
    void aCursorSurvivesTheRoundTripToTheMicrosecond() {
        Cursor cursor = new Cursor(Instant.parse("2026-11-27T10:15:30.123456Z"), UUID.fromString("00000000-0000-0000-0000-000000000042"));
        assertThat(Cursor.decode(cursor.encode())).isEqualTo(cursor);
        assertThat(cursor.encode()).doesNotContain("2026", "=", "+", "/");
    }

    @Test
    void somethingThatIsNotACursorIsABadRequest() {
        assertThatThrownBy(() -> Cursor.decode("bm9wZQ"))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.type().status()).isEqualTo(400));
        assertThatThrownBy(() -> Cursor.decode("%%%")).isInstanceOf(ProblemException.class);
    }

    @Test
    void pageLimitsAreBounded() {
        assertThat(PageRequest.of(null, null).limit()).isEqualTo(50);
        assertThat(PageRequest.of("", 500).limit()).isEqualTo(500);
        assertThatThrownBy(() -> PageRequest.of(null, 501)).isInstanceOf(ProblemException.class);
        assertThatThrownBy(() -> PageRequest.of(null, 0)).isInstanceOf(ProblemException.class);
    }
}
