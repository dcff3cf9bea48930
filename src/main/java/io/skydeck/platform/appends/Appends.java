package io.skydeck.platform.appends;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transactional;
import jakarta.transaction.TransactionSynchronizationRegistry;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

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
 * <p>They are written when the transaction is about to commit, or earlier with the first statement
 * a caller queues and wants the answer of ({@link #ask}) or when it asks ({@link #write}). The
 * provisioning pipeline queues the host's lock and the quota's at its end, so that the rows, the
 * locks and the checks of a create go in one round trip and no lock is held while rows are sent.
 * A rolled-back transaction writes none.
 *
 * <p>A step that judges answers ({@link #judge}) runs at once, unless the transaction's owner
 * settles it itself ({@link #settling}): then it runs when the owner's work is done, after the
 * owner queued its own last statements. So an idempotent create's stored response goes out in
 * the same round trip as the host's and the quota's statements, and the tenant's quota rows are
 * locked by the last statement before the commit.
 */
@ApplicationScoped
public class Appends {

    /** What a statement queued with {@link #ask} answered, read when first wanted. */
    public interface Answer<T> {
        /** Sends the transaction's queued statements (this one among them) unless they went already; its answer. */
        T get();
    }

    /** Reads a queued statement's answer from the statement positioned at its result ({@code getResultSet}, {@code getUpdateCount}). */
    @FunctionalInterface
    public interface Reader<T> {
        T read(Statement results) throws SQLException;
    }

    /** One queued statement with its parameters, in order; a question also has a reader and gets an answer. */
    private static class Row {
        final String sql;
        final Object[] parameters;

        Row(String sql, Object[] parameters) {
            this.sql = sql;
            this.parameters = parameters;
        }

        void take(Statement results) throws SQLException {
        }
    }

    private static final class Question<T> extends Row implements Answer<T> {
        private final Pending pending;
        private final Reader<T> reader;
        private T answer;
        private boolean answered;

        Question(String sql, Object[] parameters, Pending pending, Reader<T> reader) {
            super(sql, parameters);
            this.pending = pending;
            this.reader = reader;
        }

        @Override
        void take(Statement results) throws SQLException {
            answer = reader.read(results);
            answered = true;
        }

        @Override
        public T get() {
            if (!answered) {
                pending.send(true);
            }
            if (!answered) {
                throw new IllegalStateException("the round trip that carried this statement failed: " + sql);
            }
            return answer;
        }
    }

    /** The statements of one transaction not yet sent, and where its connection comes from. */
    private static final class Pending implements Synchronization {
        private final DataSource dataSource;
        private final EntityManager em;
        private final List<Row> rows = new ArrayList<>();
        /** Statements that go after every row, also after those queued later ({@link #askLast}). */
        private final List<Row> last = new ArrayList<>();
        /** Steps held for the owner's settling, in the order they came; only while {@code settling}. */
        private final List<Runnable> judges = new ArrayList<>();
        private boolean settling;

        Pending(DataSource dataSource, EntityManager em) {
            this.dataSource = dataSource;
            this.em = em;
        }

        @Override
        public void beforeCompletion() {
            // The session flushes itself at the commit; the rows need nothing of it.
            send(false);
        }

        @Override
        public void afterCompletion(int status) {
            rows.clear();
            last.clear();
            judges.clear();
        }

        /** {@code flush}: the session's changes first, as a query through it would (a question may read them). */
        void send(boolean flush) {
            if (rows.isEmpty() && last.isEmpty()) {
                return;
            }
            if (flush) {
                em.flush();
            }
            List<Row> batch = new ArrayList<>(rows.size() + last.size());
            batch.addAll(rows);
            batch.addAll(last);
            rows.clear();
            last.clear();
            // Inside the transaction the pool hands out the connection enlisted in it; the handle is closed here, so
            // that none is left open when the pool's own part of the commit runs.
            try (Connection connection = dataSource.getConnection()) {
                Appends.send(connection, batch);
            } catch (SQLException e) {
                throw new IllegalStateException("the transaction's queued statements failed: " + e.getMessage(), e);
            }
        }
    }

    private static final Object KEY = new Object();

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    DataSource dataSource;

    @Inject
    EntityManager em;

    /**
     * Adds a row to the transaction's; {@code sql} is one statement with JDBC {@code ?} markers,
     * {@code parameters} their values (an {@link Instant} goes as a UTC {@code timestamptz}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void add(String sql, Object... parameters) {
        pending().rows.add(new Row(sql, parameters.clone()));
    }

    /**
     * Queues one statement whose answer the caller needs (a lock, a check), after the rows and
     * statements queued before it. Nothing is sent until an answer is wanted: the first
     * {@link Answer#get} sends everything queued, in one round trip, and reads every answer. So a
     * caller can queue what several parts of a request ask (the host's lock, the quota's) and
     * judge the answers afterwards.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public <T> Answer<T> ask(Reader<T> reader, String sql, Object... parameters) {
        return queue(false, reader, sql, parameters);
    }

    /**
     * As {@link #ask}, for a statement that is to be the last of its round trip: rows and
     * statements queued after it still go before it. For a lock that every request of a tenant
     * waits on (the quota's rows): taken by the last statement before the commit, it is held for
     * as short a time as the transaction allows.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public <T> Answer<T> askLast(Reader<T> reader, String sql, Object... parameters) {
        return queue(true, reader, sql, parameters);
    }

    private <T> Answer<T> queue(boolean last, Reader<T> reader, String sql, Object[] parameters) {
        Pending pending = pending();
        Question<T> question = new Question<>(sql, parameters.clone(), pending, reader);
        (last ? pending.last : pending.rows).add(question);
        return question;
    }

    /** Sends the transaction's queued rows and statements now, in one round trip. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void write() {
        Pending pending = (Pending) transactions.getResource(KEY);
        if (pending != null) {
            pending.send(true);
        }
    }

    /**
     * A step that judges queued answers (and throws to refuse): run now, or — inside
     * {@link #settling} — when the settling work is done.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void judge(Runnable step) {
        Pending pending = pending();
        if (pending.settling) {
            pending.judges.add(step);
        } else {
            step.run();
        }
    }

    /**
     * Runs {@code work}, holding every step it passes to {@link #judge} until it is done, then runs
     * them in order: the first answer one of them reads sends everything queued, {@code work}'s
     * own last rows with it. A refusal is thrown from here, before the owner commits. Inside
     * another {@code settling} the work simply runs (the outer one judges).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public <T> T settling(Supplier<T> work) {
        Pending pending = pending();
        if (pending.settling) {
            return work.get();
        }
        pending.settling = true;
        try {
            T result = work.get();
            List<Runnable> due = List.copyOf(pending.judges);
            pending.judges.clear();
            pending.settling = false;
            due.forEach(Runnable::run);
            return result;
        } finally {
            pending.settling = false;
            pending.judges.clear();
        }
    }

    private Pending pending() {
        Pending pending = (Pending) transactions.getResource(KEY);
        if (pending == null) {
            pending = new Pending(dataSource, em);
            transactions.putResource(KEY, pending);
            transactions.registerInterposedSynchronization(pending);
        }
        return pending;
    }

    private static void send(Connection connection, List<Row> rows) throws SQLException {
        StringBuilder sql = new StringBuilder();
        for (Row row : rows) {
            if (!sql.isEmpty()) {
                sql.append(";\n");
            }
            sql.append(row.sql);
        }
        try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
            int index = 1;
            for (Row row : rows) {
                for (Object value : row.parameters) {
                    statement.setObject(index++, value instanceof Instant i ? OffsetDateTime.ofInstant(i, ZoneOffset.UTC) : value);
                }
            }
            statement.execute();
            for (int i = 0; i < rows.size(); i++) {
                if (i > 0) {
                    statement.getMoreResults();
                }
                rows.get(i).take(statement);
            }
        }
    }
}
