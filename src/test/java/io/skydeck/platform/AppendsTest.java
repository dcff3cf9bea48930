package io.skydeck.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.platform.appends.Appends;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Appended rows (audit entries, lifecycle events, placement decisions) are written in one round
 * trip with their transaction: all of them when it commits, none when it rolls back, in the order
 * they were added, and a failing one fails the commit. A statement whose answer is wanted goes in
 * the same round trip, after the rows queued before it. A check refuses inside PostgreSQL and is
 * thrown as its caller's exception. A transaction of its own ({@link Appends#transaction}) ends
 * with a round trip that carries its COMMIT.
 */
@QuarkusTest
class AppendsTest {

    private static final String ROW = "INSERT INTO audit_log (id, occurred_at, actor, actor_role, tenant_id, action, target_type,"
            + " target_id, request_id, details) VALUES (?, ?, 'appends-test', 'system', ?, ?, 'test', ?, NULL, ?)";

    @Inject
    Appends appends;

    @Inject
    EntityManager em;

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    javax.sql.DataSource dataSource;

    @Test
    void rowsAreWrittenInOrderWhenTheTransactionCommitsAndNotBefore() {
        String target = UUID.randomUUID().toString();
        long[] seenInside = new long[1];
        QuarkusTransaction.requiringNew().run(() -> {
            for (int i = 0; i < 3; i++) {
                appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "appended-" + i, target, i == 1 ? null : "{\"n\":" + i + "}");
            }
            seenInside[0] = count(target);
        });

        assertThat(seenInside[0]).as("not written before the commit").isZero();
        assertThat(actions(target)).containsExactly("appended-0", "appended-1", "appended-2");
    }

    @Test
    void aRolledBackTransactionWritesNone() {
        String target = UUID.randomUUID().toString();
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "appended", target, null);
            appends.write();
            throw new IllegalStateException("the rest of the work failed");
        })).hasMessageContaining("the rest of the work failed");

        assertThat(count(target)).isZero();
    }

    @Test
    void writeSendsTheRowsAtOnceInsideTheTransaction() {
        String target = UUID.randomUUID().toString();
        long[] seen = new long[2];
        QuarkusTransaction.requiringNew().run(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "first", target, null);
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "second", target, null);
            appends.write();
            seen[0] = count(target);
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "third", target, null);
            seen[1] = count(target);
        });

        assertThat(seen).containsExactly(2, 2);
        assertThat(actions(target)).containsExactly("first", "second", "third");
    }

    @Test
    void aQuestionGoesWithTheRowsQueuedBeforeItAndItsAnswerSeesThem() {
        String target = UUID.randomUUID().toString();
        long[] seen = new long[3];
        QuarkusTransaction.requiringNew().run(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "before", target, null);
            Appends.Answer<Long> counted = appends.ask(AppendsTest::first, "SELECT count(*) FROM audit_log WHERE target_id = ?", target);
            Appends.Answer<Integer> added = appends.ask(java.sql.Statement::getUpdateCount, ROW, UUID.randomUUID(), Instant.now(), null,
                    "asked", target, null);
            seen[0] = count(target); // nothing went yet: no answer was wanted
            seen[1] = counted.get();
            seen[2] = added.get();
        });

        assertThat(seen).containsExactly(0, 1, 1);
        assertThat(actions(target)).containsExactly("before", "asked");
    }

    @Test
    void aTransactionOfItsOwnEndsWithItsLastRoundTripCarryingTheCommit() {
        String target = UUID.randomUUID().toString();
        List<String> stateBeforeCompletion = new java.util.ArrayList<>();
        String result = appends.transaction(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "first", target, null);
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "second", target, null);
            recordConnectionStateBeforeCompletion(stateBeforeCompletion);
            return "done";
        });

        assertThat(result).isEqualTo("done");
        assertThat(stateBeforeCompletion).as("the connection's transaction had ended before the manager's commit").containsExactly("IDLE");
        assertThat(actions(target)).containsExactly("first", "second");
    }

    @Test
    void aCheckThatRefusesIsThrownAsItsExceptionAndNothingIsWritten() {
        String target = UUID.randomUUID().toString();
        Appends.Refusal refusal = new Appends.Refusal("SKP01", error -> new IllegalArgumentException("refused: " + error.getMessage()));
        assertThatThrownBy(() -> appends.transaction(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "work", target, null);
            // A host the ledger does not know: the check raises its SQLSTATE.
            appends.check(refusal, "SELECT ledger_admit_host(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "nowhere", "r", "z", "h",
                    UUID.randomUUID(), 1, 1L, 0, null, null);
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "after the check", target, null);
            return null;
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("refused: host nowhere/r/z/h is not in the placement ledger; refresh capacity");

        assertThat(count(target)).isZero();
    }

    @Test
    void aQuestionInTheLastRoundTripLeavesTheCommitToTheTransactionManager() {
        String target = UUID.randomUUID().toString();
        List<String> stateBeforeCompletion = new java.util.ArrayList<>();
        appends.transaction(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "row", target, null);
            appends.ask(AppendsTest::first, "SELECT count(*) FROM audit_log WHERE target_id = ?", target);
            recordConnectionStateBeforeCompletion(stateBeforeCompletion);
            return null;
        });

        assertThat(stateBeforeCompletion).containsExactly("OPEN");
        assertThat(actions(target)).containsExactly("row");
    }

    @Test
    void settleSendsAtOnceOutsideATransactionOfItsOwnAndLeavesItToTheOwnerInside() {
        String target = UUID.randomUUID().toString();
        long[] seen = new long[2];
        QuarkusTransaction.requiringNew().run(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "settled", target, null);
            appends.settle();
            seen[0] = count(target);
        });
        appends.transaction(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "owned", target, null);
            appends.settle();
            seen[1] = count(target);
            return null;
        });

        assertThat(seen).containsExactly(1, 1);
        assertThat(actions(target)).containsExactly("settled", "owned");
    }

    /** Adds the transaction's connection state (pgjdbc's IDLE, OPEN, FAILED) as the manager begins to complete it. */
    private void recordConnectionStateBeforeCompletion(List<String> states) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                states.add(connectionState());
            }

            @Override
            public void afterCompletion(int status) {
            }
        });
    }

    private String connectionState() {
        try (java.sql.Connection connection = dataSource.getConnection()) {
            return connection.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState().name();
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aStatementAskedLastGoesAfterRowsQueuedLater() {
        String target = UUID.randomUUID().toString();
        long[] seen = new long[2];
        QuarkusTransaction.requiringNew().run(() -> {
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "first", target, null);
            Appends.Answer<Long> last = appends.askLast(AppendsTest::first, "SELECT count(*) FROM audit_log WHERE target_id = ?", target);
            Appends.Answer<Long> asked = appends.ask(AppendsTest::first, "SELECT count(*) FROM audit_log WHERE target_id = ?", target);
            appends.add(ROW, UUID.randomUUID(), Instant.now(), null, "queued later", target, null);
            seen[0] = last.get();
            seen[1] = asked.get();
        });

        assertThat(seen).as("the last statement saw both rows; the one asked in order, the first only").containsExactly(2, 1);
        assertThat(actions(target)).containsExactly("first", "queued later");
    }

    private static Long first(java.sql.Statement results) throws java.sql.SQLException {
        try (var rows = results.getResultSet()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    @Test
    void aRowThatFailsFailsTheCommitAndTakesTheTransactionsOtherWritesWithIt() {
        String target = UUID.randomUUID().toString();
        UUID same = UUID.randomUUID();
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("INSERT INTO audit_log (id, occurred_at, actor, actor_role, action, target_type, target_id)"
                            + " VALUES (?1, now(), 'appends-test', 'system', 'direct', 'test', ?2)")
                    .setParameter(1, UUID.randomUUID()).setParameter(2, target).executeUpdate();
            appends.add(ROW, same, Instant.now(), null, "one", target, null);
            // The same id twice: audit_log.id is unique.
            appends.add(ROW, same, Instant.now(), null, "two", target, null);
        }));

        assertThat(count(target)).isZero();
    }

    private long count(String target) {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM audit_log WHERE target_id = ?1")
                .setParameter(1, target).getSingleResult()).longValue();
    }

    @SuppressWarnings("unchecked")
    private List<String> actions(String target) {
        return em.createNativeQuery("SELECT action FROM audit_log WHERE target_id = ?1 ORDER BY seq").setParameter(1, target)
                .getResultList();
    }
}
