package io.skydeck.platform.appends;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Synchronization;
import jakarta.transaction.Transactional;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.hibernate.FlushMode;
import org.hibernate.Session;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

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
import java.util.Optional;
import java.util.function.Function;
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
 * a caller queues and wants the answer of ({@link #ask}) or when it asks ({@link #write}). A check
 * ({@link #check}) is a statement that refuses inside PostgreSQL, by raising an error with a
 * SQLSTATE of its own, which is thrown as the caller's exception ({@link Refusal}). A rolled-back
 * transaction writes none.
 *
 * <p>A transaction begun by {@link #transaction} ends with its last round trip: the statements its
 * work queued, the checks among them, and {@code COMMIT}. The provisioning pipeline queues the
 * host's check and the tenant's quota check last, so the rows those lock — which every create of
 * the host or the tenant waits on — are held from their statement to the end of that same round
 * trip, not until the service has read the answers and sent a commit of its own.
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

    /**
     * How a check refuses: the SQLSTATE its statement raises, and the caller's exception made of
     * what PostgreSQL said (message, column, detail). Any other failure of the round trip stays a
     * failure of the transaction.
     */
    public record Refusal(String sqlState, Function<ServerErrorMessage, RuntimeException> exception) {
    }

    /** One queued statement with its parameters, in order; a question also has a reader and gets an answer. */
    private static class Row {
        final String sql;
        final Object[] parameters;
        final Refusal refusal;

        Row(String sql, Object[] parameters, Refusal refusal) {
            this.sql = sql;
            this.parameters = parameters;
            this.refusal = refusal;
        }

        void take(Statement results) throws SQLException {
        }

        boolean answersLater() {
            return false;
        }
    }

    private static final class Question<T> extends Row implements Answer<T> {
        private final Pending pending;
        private final Reader<T> reader;
        private T answer;
        private boolean answered;

        Question(String sql, Object[] parameters, Pending pending, Reader<T> reader) {
            super(sql, parameters, null);
            this.pending = pending;
            this.reader = reader;
        }

        @Override
        void take(Statement results) throws SQLException {
            answer = reader.read(results);
            answered = true;
        }

        @Override
        boolean answersLater() {
            return true;
        }

        @Override
        public T get() {
            if (!answered) {
                pending.send(true, false);
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
        /** Statements that go before every row, also before those queued earlier ({@link #checkFirst}). */
        private final List<Row> first = new ArrayList<>();
        private final List<Row> rows = new ArrayList<>();
        /** Statements that go after every row, also after those queued later ({@link #checkLast}). */
        private final List<Row> last = new ArrayList<>();
        /** Begun by {@link #transaction}: its owner sends what is queued, with the COMMIT, when its work is done. */
        private boolean owned;
        /** The last round trip carried the COMMIT: nothing may be sent after it. */
        private boolean committed;

        Pending(DataSource dataSource, EntityManager em) {
            this.dataSource = dataSource;
            this.em = em;
        }

        @Override
        public void beforeCompletion() {
            if (committed) {
                requireNothingAfterTheCommit();
                return;
            }
            // The session flushes itself at the commit; the rows need nothing of it.
            send(false, false);
        }

        @Override
        public void afterCompletion(int status) {
            first.clear();
            rows.clear();
            last.clear();
        }

        void queue(Row row, boolean atEnd) {
            queue(row, atEnd ? last : rows);
        }

        void queue(Row row, List<Row> where) {
            if (committed) {
                throw new IllegalStateException("the transaction committed with its last round trip; nothing can be queued after it: "
                        + row.sql);
            }
            where.add(row);
        }

        /**
         * {@code flush}: the session's changes first, as a query through it would (a question may read them).
         * {@code commit}: the round trip ends with COMMIT, unless it carries a question someone may still read.
         */
        void send(boolean flush, boolean commit) {
            if (first.isEmpty() && rows.isEmpty() && last.isEmpty()) {
                return;
            }
            if (flush) {
                em.flush();
            }
            List<Row> batch = new ArrayList<>(first.size() + rows.size() + last.size());
            batch.addAll(first);
            batch.addAll(rows);
            batch.addAll(last);
            first.clear();
            rows.clear();
            last.clear();
            boolean commits = commit && batch.stream().noneMatch(Row::answersLater);
            // Inside the transaction the pool hands out the connection enlisted in it; the handle is closed here, so
            // that none is left open when the pool's own part of the commit runs.
            try (Connection connection = dataSource.getConnection()) {
                Appends.send(connection, batch, commits);
                if (commits) {
                    committed = true;
                    // The transaction manager's commit must not flush the session: the driver would begin a transaction
                    // after the COMMIT for it, and the pool's commit would end that one, apart from this.
                    em.unwrap(Session.class).setHibernateFlushMode(FlushMode.MANUAL);
                }
            } catch (SQLException e) {
                throw refusal(batch, e).orElseGet(() ->
                        new IllegalStateException("the transaction's queued statements failed: " + e.getMessage(), e));
            }
        }

        /** A change made after the COMMIT would be lost, a statement sent after it committed alone: either fails the completion. */
        private void requireNothingAfterTheCommit() {
            if (em.unwrap(Session.class).isDirty()) {
                throw new IllegalStateException("an entity was changed after the transaction committed with its last round trip");
            }
            try (Connection connection = dataSource.getConnection()) {
                if (connection.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE) {
                    throw new IllegalStateException("a statement was sent after the transaction committed with its last round trip");
                }
            } catch (SQLException e) {
                throw new IllegalStateException("cannot tell whether the committed transaction's connection stayed idle", e);
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
        pending().queue(new Row(sql, parameters.clone(), null), false);
    }

    /**
     * Queues a check: a statement that refuses by raising {@code refusal}'s SQLSTATE, after the
     * rows and statements queued before it. When the round trip that carries it goes, a refusal is
     * thrown as {@code refusal}'s exception, to whoever sent it: the caller that wanted an answer,
     * {@link #write}, {@link #settle}, or the owner of a {@link #transaction} at its end. The
     * transaction is then aborted and must roll back.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void check(Refusal refusal, String sql, Object... parameters) {
        pending().queue(new Row(sql, parameters.clone(), refusal), false);
    }

    /**
     * As {@link #check}, for a statement that is to be the first of its round trip: it goes before
     * every row and statement queued so far or later. For a check that may wait on another
     * transaction and then refuse (an idempotency key another request holds): it waits before any
     * statement of the round trip has locked a row that the other one may need.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void checkFirst(Refusal refusal, String sql, Object... parameters) {
        Pending pending = pending();
        pending.queue(new Row(sql, parameters.clone(), refusal), pending.first);
    }

    /**
     * As {@link #check}, for a statement that is to be the last of its round trip: rows and
     * statements queued after it still go before it. For a lock that every request of a tenant
     * waits on (the quota's rows): taken by the last statement before the commit, it is held for
     * as short a time as the transaction allows.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void checkLast(Refusal refusal, String sql, Object... parameters) {
        pending().queue(new Row(sql, parameters.clone(), refusal), true);
    }

    /**
     * Queues one statement whose answer the caller needs, after the rows and statements queued
     * before it. Nothing is sent until an answer is wanted: the first {@link Answer#get} sends
     * everything queued, in one round trip, and reads every answer.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public <T> Answer<T> ask(Reader<T> reader, String sql, Object... parameters) {
        return queue(false, reader, sql, parameters);
    }

    /** As {@link #ask}, for a statement that is to be the last of its round trip (see {@link #checkLast}). */
    @Transactional(Transactional.TxType.MANDATORY)
    public <T> Answer<T> askLast(Reader<T> reader, String sql, Object... parameters) {
        return queue(true, reader, sql, parameters);
    }

    private <T> Answer<T> queue(boolean last, Reader<T> reader, String sql, Object[] parameters) {
        Pending pending = pending();
        Question<T> question = new Question<>(sql, parameters.clone(), pending, reader);
        pending.queue(question, last);
        return question;
    }

    /** Sends the transaction's queued rows and statements now, in one round trip. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void write() {
        Pending pending = (Pending) transactions.getResource(KEY);
        if (pending != null) {
            pending.send(true, false);
        }
    }

    /**
     * For a caller whose checks must be settled before it goes on: sends what is queued now —
     * unless the transaction is a {@link #transaction}, whose owner sends it with the COMMIT when
     * its work is done (a refusal is thrown from there instead).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void settle() {
        Pending pending = (Pending) transactions.getResource(KEY);
        if (pending != null && !pending.owned) {
            pending.send(true, false);
        }
    }

    /**
     * Runs {@code work} as a transaction of its own whose last round trip carries the COMMIT: when
     * the work is done, the session is flushed and everything queued goes to PostgreSQL followed by
     * {@code COMMIT}, in one pipeline; the transaction manager's commit then finds nothing left to
     * do. A refusal of a check, or any other failure, is thrown from here and the transaction rolls
     * back. Nothing may write after the work: a statement sent after the COMMIT fails the
     * transaction's completion. When the work queued nothing, or a question whose answer may still
     * be read, the transaction commits as any other.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public <T> T transaction(Supplier<T> work) {
        Pending pending = pending();
        pending.owned = true;
        T result = work.get();
        pending.send(true, true);
        return result;
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

    /** The refusal of the check whose SQLSTATE {@code failure} carries, if one of the batch's refused. */
    private static Optional<RuntimeException> refusal(List<Row> batch, SQLException failure) {
        if (!(failure instanceof PSQLException psql) || psql.getServerErrorMessage() == null || failure.getSQLState() == null) {
            return Optional.empty();
        }
        for (Row row : batch) {
            if (row.refusal != null && row.refusal.sqlState().equals(failure.getSQLState())) {
                RuntimeException refused = row.refusal.exception().apply(psql.getServerErrorMessage());
                refused.addSuppressed(failure);
                return Optional.of(refused);
            }
        }
        return Optional.empty();
    }

    private static void send(Connection connection, List<Row> rows, boolean commit) throws SQLException {
        StringBuilder sql = new StringBuilder();
        for (Row row : rows) {
            if (!sql.isEmpty()) {
                sql.append(";\n");
            }
            sql.append(row.sql);
        }
        if (commit) {
            sql.append(";\nCOMMIT");
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
