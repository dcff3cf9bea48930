package io.skydeck.platform.paging;

import java.util.List;
import java.util.function.Function;

/** One page of a list; {@code nextCursor} is null on the last page. */
public record Page<T>(List<T> items, String nextCursor) {

    /**
     * Builds a page from up to {@code limit + 1} rows fetched in order: the extra row only
     * tells us that there is more.
     */
    public static <E, T> Page<T> from(List<E> rows, int limit, Function<E, Cursor> position, Function<E, T> view) {
        boolean more = rows.size() > limit;
        List<E> shown = more ? rows.subList(0, limit) : rows;
        String next = more ? position.apply(shown.get(shown.size() - 1)).encode() : null;
        return new Page<>(shown.stream().map(view).toList(), next);
    }
}
