package io.skydeck.finance.reconciliation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A result set read as an iterator, one row at a time. With a fetch size inside a transaction,
 * PostgreSQL sends rows in batches through a cursor, so a million rows never sit in the heap.
 */
final class RowIterator<T> implements Iterator<T> {

    interface RowMapper<T> {
        /** The row as a value, or null to skip it. */
        T map(ResultSet rs) throws SQLException;
    }

    private final ResultSet rs;
    private final RowMapper<T> mapper;
    private T next;
    private boolean done;

    RowIterator(ResultSet rs, RowMapper<T> mapper) {
        this.rs = rs;
        this.mapper = mapper;
    }

    @Override
    public boolean hasNext() {
        try {
            while (next == null && !done) {
                if (rs.next()) {
                    next = mapper.map(rs);
                } else {
                    done = true;
                }
            }
            return next != null;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the next row", e);
        }
    }

    @Override
    public T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T value = next;
        next = null;
        return value;
    }
}
