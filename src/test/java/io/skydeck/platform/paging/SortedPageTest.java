package io.skydeck.platform.paging;

import io.skydeck.platform.problem.ProblemException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SortedPageTest {

    @Test
    void pagesOfAnInMemoryListFollowTheKeyNotTheInputOrder() {
        List<String> zones = List.of("b|east|1b", "a|west|1a", "b|east|1a", "a|east|1a", "c|x|1");
        Page<String> first = Page.sorted(zones, null, 2, Function.identity(), Function.identity());
        assertThat(first.items()).containsExactly("a|east|1a", "a|west|1a");
        Page<String> second = Page.sorted(zones, first.nextCursor(), 2, Function.identity(), Function.identity());
        assertThat(second.items()).containsExactly("b|east|1a", "b|east|1b");
        Page<String> last = Page.sorted(zones, second.nextCursor(), 2, Function.identity(), Function.identity());
        assertThat(last.items()).containsExactly("c|x|1");
        assertThat(last.nextCursor()).isNull();
    }

    @Test
    void aRowAddedBehindTheCursorShiftsNothing() {
        List<String> rows = new ArrayList<>(List.of("k1", "k3", "k5"));
        Page<String> first = Page.sorted(rows, null, 2, Function.identity(), Function.identity());
        rows.add("k0");
        assertThat(Page.sorted(rows, first.nextCursor(), 2, Function.identity(), Function.identity()).items())
                .containsExactly("k5");
    }

    @Test
    void theLimitAndCursorRulesAreThoseOfEveryList() {
        List<String> rows = List.of("a");
        assertThatThrownBy(() -> Page.sorted(rows, null, 0, Function.identity(), Function.identity()))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.type().status()).isEqualTo(400));
        assertThatThrownBy(() -> Page.sorted(rows, null, 501, Function.identity(), Function.identity()))
                .isInstanceOf(ProblemException.class);
        String tableCursor = new Cursor(Instant.parse("2026-11-27T10:15:30Z"), UUID.randomUUID()).encode();
        assertThatThrownBy(() -> Page.sorted(rows, tableCursor, 10, Function.identity(), Function.identity()))
                .isInstanceOf(ProblemException.class);
        assertThatThrownBy(() -> Cursor.decode(new KeyCursor("a").encode())).isInstanceOf(ProblemException.class);
    }
}
