package io.skydeck.platform.paging;

import io.skydeck.platform.problem.ProblemException;

import java.util.Optional;

/** Where a list starts and how much of it to return; {@code limit} is bounded the same for every list. */
public record PageRequest(Optional<Cursor> after, int limit) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public static PageRequest of(String cursor, Integer limit) {
        return new PageRequest(cursor == null || cursor.isBlank() ? Optional.empty() : Optional.of(Cursor.decode(cursor)),
                limitOf(limit));
    }

    /** The page size asked for, or the default; 400 outside 1–{@value #MAX_LIMIT}. */
    public static int limitOf(Integer limit) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw ProblemException.invalid("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return size;
    }
}
