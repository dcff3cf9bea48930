package io.skydeck.platform.appends;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transactional;
import jakarta.transaction.TransactionSynchronizationRegistry;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Rows that are only ever added in a transaction and not read back in it — audit entries,
 * lifecycle events, placement decisions — collected per transaction and written together, in one
 * round trip to PostgreSQL, before the transaction commits.
 *
 * <p>Each such row used to be a statement of its own, each a round trip; a server's create wrote
 * four and the operation that builds it two more, and on two cores the round trips (a send, a
 * blocking receive, a context switch on each side) were most of what a create cost. The rows go
 * out as one JDBC statement holding several SQL statements, which the PostgreSQL driver sends as
 * one pipeline; PostgreSQL runs them in order, each with its own snapshot as any statement of the
 * transaction, and a failure of one fails the transaction.
 *
 * <p>They are written when the transaction is about to commit, or earlier where the caller asks
 * ({@link #write}): the provisioning pipeline does so just before it locks the shared rows, so
 * that the locks are not held while they are sent. A rolled-back transaction writes none.
 */
@ApplicationScoped
public class Appends {

    /** One row's statement and its parameters, in order. */
    private record Row(String sql, Object[] parameters) {
    }

    /** The rows of one transaction not yet written, and where its connection comes from. */
    private static final class Pending implements Synchronization {
        private final DataSource dataSource;
        private final List<Row> rows = new ArrayList<>();

        Pending(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        @Override
        public void beforeCompletion() {
            writeNow();
        }

        @Override
        public void afterCompletion(int status) {
            rows.clear();
        }

        void writeNow() {
            if (rows.isEmpty()) {
                return;
            }
            List<Row> batch = List.copyOf(rows);
            rows.clear();
            // Inside the transaction the pool hands out the connection enlisted in it; the handle is closed here, so
            // that none is left open when the pool's own part of the commit runs.
            try (Connection connection = dataSource.getConnection()) {
                send(connection, batch);
            } catch (SQLException e) {
                throw new IllegalStateException("the transaction's appended rows were not written: " + e.getMessage(), e);
            }
        }
    }

    private static final Object KEY = new Object();

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    DataSource dataSource;

    /**
     * Adds a row to the transaction's; {@code sql} is one statement with JDBC {@code ?} markers,
     * {@code parameters} their values (an {@link Instant} goes as a UTC {@code timestamptz}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String sql, Object... parameters) {
        Pending pending = (Pending) transactions.getResource(KEY);
        if (pending == null) {
            pending = new Pending(dataSource);
            transactions.putResource(KEY, pending);
            transactions.registerInterposedSynchronization(pending);
        }
        pending.rows.add(new Row(sql, parameters.clone()));
    }

    /** Writes the transaction's rows added so far now, in one round trip. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void write() {
        Pending pending = (Pending) transactions.getResource(KEY);
        if (pending != null) {
            pending.writeNow();
        }
    }

    private static void send(Connection connection, List<Row> rows) throws SQLException {
        StringBuilder sql = new StringBuilder();
        for (Row row : rows) {
            if (!sql.isEmpty()) {
                sql.append(";\n");
            }
            sql.append(row.sql());
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int index = 1;
            for (Row row : rows) {
                for (Object value : row.parameters()) {
                    statement.setObject(index++, value instanceof Instant i ? OffsetDateTime.ofInstant(i, ZoneOffset.UTC) : value);
                }
            }
            statement.execute();
        }
    }
}
