package io.skydeck.platform.paging;

import java.util.Collection;
import java.util.Comparator;
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

    /**
     * A page of a list that is small and already in memory, ordered by {@code key} (unique per
     * row): the same {@code cursor}/{@code limit} contract as a table's list, with a
     * {@link KeyCursor} so a row added or removed between two pages shifts nothing.
     */
    public static <E, T> Page<T> sorted(Collection<E> rows, String cursor, Integer limit, Function<E, String> key,
                                        Function<E, T> view) {
        int size = PageRequest.limitOf(limit);
        String after = cursor == null || cursor.isBlank() ? null : KeyCursor.decode(cursor).key();
        List<E> ordered = rows.stream()
                .filter(r -> after == null || key.apply(r).compareTo(after) > 0)
                .sorted(Comparator.comparing(key))
                .limit(size + 1L)
                .toList();
        boolean more = ordered.size() > size;
        List<E> shown = more ? ordered.subList(0, size) : ordered;
        String next = more ? new KeyCursor(key.apply(shown.get(size - 1))).encode() : null;
        return new Page<>(shown.stream().map(view).toList(), next);
    }
}
