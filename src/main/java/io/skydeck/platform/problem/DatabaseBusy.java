package io.skydeck.platform.problem;

import java.sql.SQLException;
import java.util.Optional;

/**
 * A failure that says the database was busy, not that the request was wrong or the service
 * broken: no pooled connection came free in time, PostgreSQL chose this transaction as a
 * deadlock's or a serialization conflict's victim, it refused more connections, or the connection
 * was lost. The transaction rolled back with everything it wrote (an {@code Idempotency-Key}
 * included) — except that a connection lost during the commit leaves its outcome unknown, which
 * the key settles: sent again with it, a request that did commit is answered as before. So the
 * answer is a 503 with {@code Retry-After}, not a 500.
 */
public final class DatabaseBusy {

    /** What Agroal, the connection pool, throws when no connection came free within its acquisition timeout. */
    static final String POOL_EXHAUSTED = "Sorry, acquisition timeout!";

    private DatabaseBusy() {
    }

    /** Why {@code failure} (or one of its causes) is a busy database, if it is one. */
    public static Optional<String> reason(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (!(cause instanceof SQLException sql)) {
                continue;
            }
            if (POOL_EXHAUSTED.equals(sql.getMessage())) {
                return Optional.of("every database connection of this replica was in use for longer than the pool waits");
            }
            String state = sql.getSQLState();
            if (state == null) {
                continue;
            }
            switch (state) {
                case "40001" -> {
                    return Optional.of("the database aborted the transaction in a serialization conflict with another");
                }
                case "40P01" -> {
                    return Optional.of("the database aborted the transaction to break a deadlock with another");
                }
                case "55P03" -> {
                    return Optional.of("a row the request needed stayed locked for longer than the database waits");
                }
                case "53300" -> {
                    return Optional.of("the database refused another connection");
                }
                case "57P01", "57P02", "57P03" -> {
                    return Optional.of("the database is shutting down or starting");
                }
                default -> {
                    if (state.startsWith("08")) {
                        return Optional.of("the connection to the database was lost");
                    }
                }
            }
        }
        return Optional.empty();
    }
}
