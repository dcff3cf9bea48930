package io.skydeck.platform.paging;

import io.skydeck.platform.problem.ProblemException;

import java.util.Optional;

/** Where a list starts and how much of it to return; {@code limit} is bounded. */
public record PageRequest(Optional<Cursor> after, int limit) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    public static PageRequest of(String cursor, Integer limit) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw ProblemException.invalid("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return new PageRequest(cursor == null || cursor.isBlank() ? Optional.empty() : Optional.of(Cursor.decode(cursor)), size);
    }
}
