package io.skydeck.operations;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.platform.config.SkydeckConfig;
import io.skydeck.providers.ProviderErrors;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drives operations to the end, in the background, on every replica.
 *
 * <p>A replica claims an operation with {@code FOR UPDATE SKIP LOCKED}, writing a fresh claim
 * token and an expiry; a heartbeat pushes the expiry on while it works. A replica that dies
 * lets its claim run out and the operation is picked up again — from its stored provider handle
 * if the provider had accepted it, or by submitting again with the same idempotency token if not.
 * That is the whole of restart recovery: there is no separate "resume" path to get wrong. The
 * operations of a claimed batch are advanced by several workers at once
 * ({@code skydeck.operations.workers}): with one, a replica built ~130 servers a second on two
 * cores while its API took 300, and a stalled provider call held up the whole batch behind it.
 *
 * <p>A replica that is only slow (a stalled provider call, a long GC pause) can outlive its claim
 * while another takes the operation over. So every write of progress is fenced: it runs only
 * if the row still carries this replica's token ({@code WHERE id = ? AND claim_token = ?}); the
 * late replica finds the token changed, writes nothing and lets go. Every failed try — a provider
 * error while submitting or polling, a provider that lost the work, a bug — counts as an
 * attempt, so no operation is retried forever.
 *
 * <p>The runner's own transactions (claims, renewals, fenced writes of progress) do not wait for
 * the WAL flush at their commit ({@link #withoutWaitingForFlush}). Each is visible to every replica
 * at once and atomic as ever; what PostgreSQL's crash could lose is only the last fraction of a
 * second of them, and losing one puts the operation back where it was before that write — the
 * state a replica killed just before writing leaves, which this runner resumes from anyway (the
 * claim runs out, the stored handle is polled or the token resubmitted). A commit that waits for
 * its flush (an API request's) flushes every earlier commit's record with its own, so nothing
 * durable can rest on a lost write. An API request's commit no longer queues for the flush behind
 * the runner's: at 300 creates/s these were half of the flushes (bench/README.md, "api").
 *
 * <p>Round trips are few, since every create pays for them: one statement claims the due rows and
 * returns them; a fenced write starts with one {@code UPDATE … RETURNING} that is fence, lock and
 * read at once. A provider that shows what it accepted at once (the sandbox) is polled in the pass
 * that submitted, and the acceptance goes into the same fenced write as what the poll leads to; a
 * real cloud, eventually consistent, is polled on a later pass.
 */
@ApplicationScoped
public class OperationRunner {

    private static final Logger LOG = Logger.getLogger(OperationRunner.class);
    private static final int BATCH = 16;

    /**
     * This replica's hold on one operation: the token every write of its progress must name, and
     * progress made but not yet written (a provider's acceptance, when its answer is read in the
     * same pass), which goes into the next fenced write together with whatever that write records.
     */
    record Claim(UUID operationId, UUID token, Optional<java.util.function.Consumer<Operation>> unwritten) {
        Claim(UUID operationId, UUID token) {
            this(operationId, token, Optional.empty());
        }

        Claim then(java.util.function.Consumer<Operation> step) {
            return new Claim(operationId, token, Optional.of(step));
        }
    }

    @Inject
    EntityManager em;

    @Inject
    OperationHandlers handlers;

    @Inject
    ProviderRegistry providers;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    @Inject
    SkydeckConfig config;

    private ScheduledExecutorService loop;
    /** Advance the operations of a batch side by side; null: one after another, on the claiming thread. */
    private ExecutorService workers;
    private ScheduledExecutorService heartbeat;
    /** Claims this replica holds now (claimed, not yet given up); the heartbeat renews them. */
    private final Map<UUID, UUID> held = new ConcurrentHashMap<>();

    void start(@Observes StartupEvent event) {
        int count = config.operations().workers();
        if (count > 1) {
            var names = new AtomicInteger();
            workers = Executors.newFixedThreadPool(count, r -> {
                Thread t = new Thread(r, "skydeck-operation-worker-" + names.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        if (!config.operations().runnerEnabled()) {
            LOG.info("operation runner disabled (skydeck.operations.runner-enabled=false)");
            return;
        }
        loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "skydeck-operations"));
        long every = config.operations().pollInterval().toMillis();
        loop.scheduleWithFixedDelay(this::runSafely, every, every, TimeUnit.MILLISECONDS);
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "skydeck-operation-claims"));
        long renew = Math.max(100, config.operations().claimDuration().toMillis() / 3);
        heartbeat.scheduleWithFixedDelay(this::renewQuietly, renew, renew, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (loop != null) {
            loop.shutdown();
            loop.awaitTermination(10, TimeUnit.SECONDS);
        }
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        if (workers != null) {
            workers.shutdown();
        }
    }

    private void renewQuietly() {
        try {
            renewClaims();
        } catch (RuntimeException e) {
            LOG.warnf("renewing operation claims failed (%s); the next beat retries", e.toString());
        }
    }

    /**
     * Pushes the expiry of every claim this replica holds; a claim another replica took over
     * (its token is gone from the row) is dropped. Returns how many were renewed.
     */
    int renewClaims() {
        if (held.isEmpty()) {
            return 0;
        }
        OffsetDateTime until = OffsetDateTime.ofInstant(clock.instant().plus(config.operations().claimDuration()), ZoneOffset.UTC);
        int renewed = 0;
        for (Map.Entry<UUID, UUID> claim : held.entrySet()) {
            int rows = QuarkusTransaction.requiringNew().call(() -> {
                withoutWaitingForFlush();
                return em.createNativeQuery("UPDATE operation SET claimed_until = ?1 WHERE id = ?2 AND claim_token = ?3")
                        .setParameter(1, until).setParameter(2, claim.getKey()).setParameter(3, claim.getValue())
                        .executeUpdate();
            });
            if (rows == 0) {
                held.remove(claim.getKey(), claim.getValue());
            } else {
                renewed++;
            }
        }
        return renewed;
    }

    private void runSafely() {
        try {
            while (runOnce() == BATCH) {
                // a full batch: more may be due right away
            }
        } catch (RuntimeException e) {
            LOG.error("operation runner pass failed; retrying on the next tick", e);
        }
    }

    /**
     * One pass: claims what is due and advances each by one step, several at once when there are
     * workers. Returns how many it claimed, once every one of them has taken its step; a step that
     * failed outside the runner's own handling is thrown from here, after the others are done.
     */
    public int runOnce() {
        List<ClaimedOperation> due = claimDueOperations();
        // The whole batch is held (and renewed by the heartbeat) from now: the last of it may wait
        // behind slow provider calls of the others.
        due.forEach(c -> held.put(c.claim().operationId(), c.claim().token()));
        try {
            return advanceAll(due);
        } finally {
            // Whatever broke the pass, none of its claims stays held: the heartbeat would renew a claim no step
            // works on for ever, and no pass of any replica would take that operation again. Let go, it runs out.
            due.forEach(c -> held.remove(c.claim().operationId(), c.claim().token()));
        }
    }

    private int advanceAll(List<ClaimedOperation> due) {
        RuntimeException failed = null;
        if (workers == null || due.size() < 2) {
            // Every one takes its step even if one before it failed.
            for (ClaimedOperation claimed : due) {
                try {
                    step(claimed);
                } catch (RuntimeException e) {
                    failed = also(failed, e);
                }
            }
        } else {
            List<Future<?>> steps = new ArrayList<>(due.size());
            for (ClaimedOperation claimed : due) {
                steps.add(workers.submit(() -> step(claimed)));
            }
            for (Future<?> step : steps) {
                try {
                    step.get();
                } catch (ExecutionException e) {
                    failed = also(failed, e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause()));
                } catch (InterruptedException e) {
                    // Shutting down: the workers finish their steps; what they hold runs out if they cannot.
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while operations were advancing", e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
        return due.size();
    }

    private static RuntimeException also(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private void step(ClaimedOperation claimed) {
        Claim claim = claimed.claim();
        MDC.put("requestId", "operation:" + claim.operationId());
        try {
            advance(claim, claimed.operation());
        } finally {
            held.remove(claim.operationId(), claim.token());
            MDC.remove("requestId");
        }
    }

    List<Claim> claimDue() {
        return claimDueOperations().stream().map(ClaimedOperation::claim).toList();
    }

    /**
     * Claims what is due and reads it, in one statement: the rows are picked and locked with
     * {@code SKIP LOCKED} (another replica's pass takes the others), stamped with a fresh token
     * each, and come back as they now are — what {@link #advance} works from.
     */
    List<ClaimedOperation> claimDueOperations() {
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        OffsetDateTime until = now.plus(config.operations().claimDuration());
        return QuarkusTransaction.requiringNew().call(() -> {
            withoutWaitingForFlush();
            @SuppressWarnings("unchecked")
            List<Operation> claimed = em.createNativeQuery("""
                            UPDATE operation SET claimed_until = ?2, claim_token = gen_random_uuid()
                            WHERE id IN (SELECT id FROM operation
                                         WHERE state IN ('PENDING', 'RUNNING') AND next_attempt_at <= ?1
                                           AND (claimed_until IS NULL OR claimed_until < ?1)
                                         ORDER BY next_attempt_at LIMIT ?3 FOR UPDATE SKIP LOCKED)
                            RETURNING *""", Operation.class)
                    .setParameter(1, now).setParameter(2, until).setParameter(3, BATCH).getResultList();
            return claimed.stream()
                    .sorted(Comparator.comparing(Operation::nextAttemptAt))
                    .map(op -> new ClaimedOperation(new Claim(op.id(), op.claimToken()), op))
                    .toList();
        });
    }

    /** A claim with the operation as the claiming statement returned it (detached: read, never written through). */
    record ClaimedOperation(Claim claim, Operation operation) {
    }

    /** One step of one claimed operation; a bug counts as a failed attempt like a provider error. */
    void advance(Claim claim) {
        advance(claim, QuarkusTransaction.requiringNew().call(() -> em.find(Operation.class, claim.operationId())));
    }

    private void advance(Claim claim, Operation op) {
        if (op == null || op.isFinished() || !claim.token().equals(op.claimToken())) {
            return;
        }
        OperationHandler handler = handlerFor(op.kind());
        try {
            if (op.state() == Operation.State.PENDING) {
                submit(claim, op, handler);
            } else {
                poll(claim, op, handler);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "operation %s could not advance", op.id());
            internalError(claim, op, handler, e);
        }
    }

    private void submit(Claim claim, Operation op, OperationHandler handler) {
        Optional<OperationHandle> submitted;
        try {
            submitted = handler.submit(op);
        } catch (ProviderException e) {
            providerError(claim, op, handler, e);
            return;
        } catch (WaitingFor waiting) {
            waitFor(claim, op, handler, waiting);
            return;
        } catch (RuntimeException e) {
            finishFailed(claim, op, handler, "internal", e.getMessage(), null);
            LOG.errorf(e, "operation %s failed before reaching the provider", op.id());
            return;
        }
        Instant now = clock.instant();
        if (submitted.isEmpty()) {
            fenced(claim, handler, managed -> {
                handler.succeeded(managed, null, now);
                managed.succeeded(now);
            });
            return;
        }
        OperationHandle handle = submitted.get();
        String stored = write(handle);
        if (!config.operations().pollAtOnce() || !providers.get(op.provider()).readsItsOwnWrites()) {
            // An eventually consistent cloud may not show what it just accepted: poll on a later pass.
            fenced(claim, managed -> managed.accepted(stored, now, now));
            return;
        }
        // A cloud that shows what it accepted at once (the instant sandbox has often finished it):
        // poll in this pass; the acceptance is written with whatever the poll leads to.
        poll(claim.then(managed -> managed.accepted(stored, now, now)), op, handle, handler);
    }

    private void poll(Claim claim, Operation op, OperationHandler handler) {
        poll(claim, op, read(op.providerHandle()), handler);
    }

    private void poll(Claim claim, Operation op, OperationHandle handle, OperationHandler handler) {
        OperationStatus status;
        try {
            status = providers.get(op.provider()).poll(handle);
        } catch (ResourceNotFound e) {
            // The provider no longer knows what it accepted (it crashed before persisting it):
            // submit again; the token returns the same resource if it does exist after all.
            if (op.attempts() + 1 >= config.operations().maxAttempts()) {
                finishFailed(claim, op, handler, ProviderErrors.type(e), ProviderErrors.detail(e), e);
                return;
            }
            LOG.warnf("operation %s: provider lost %s; submitting again", op.id(), handle.operationId());
            fenced(claim, managed -> managed.resubmit(clock.instant()));
            return;
        } catch (ProviderException e) {
            providerError(claim, op, handler, e);
            return;
        }
        Instant now = clock.instant();
        if (status instanceof OperationStatus.InProgress progress) {
            Duration deadline = deadlineOf(op.kind());
            if (now.isAfter(op.createdAt().plus(deadline))) {
                // No end in sight (a provider that silently dropped the request): fail and compensate
                // rather than hold quota and capacity, and block the resource, for ever.
                finishFailed(claim, op, handler, "operation-deadline-exceeded", "no end within " + deadline
                        + " (skydeck.operations.deadline); the provider last said: " + progress.detail(), null);
                return;
            }
            fenced(claim, managed -> managed.pollAgainAt(now.plus(pollWait(op.createdAt(), now)), now));
        } else if (status instanceof OperationStatus.Succeeded done) {
            Map<String, String> outcome;
            try {
                outcome = handler.outcome(op, handle);
            } catch (ProviderException e) {
                providerError(claim, op, handler, e);
                return;
            }
            fenced(claim, handler, managed -> {
                handler.succeeded(managed, handle, done, outcome);
                managed.succeeded(now);
            });
        } else if (status instanceof OperationStatus.Failed failed) {
            finishFailed(claim, op, handler, ProviderErrors.type(failed.error()), ProviderErrors.detail(failed.error()), failed.error());
        }
    }

    /**
     * The operation cannot reach the provider yet: it stays PENDING and is looked at again as a
     * running one is polled, without counting an attempt, until its deadline. A prerequisite that
     * failed fails it now; its type and detail are on the operation before the handler undoes it.
     */
    private void waitFor(Claim claim, Operation op, OperationHandler handler, WaitingFor waiting) {
        Instant now = clock.instant();
        if (waiting.hasFailed()) {
            fenced(claim, handler, managed -> {
                managed.failed(waiting.failedType(), waiting.getMessage(), now);
                handler.failed(managed, null, now);
            });
            return;
        }
        Duration deadline = deadlineOf(op.kind());
        if (now.isAfter(op.createdAt().plus(deadline))) {
            finishFailed(claim, op, handler, "operation-deadline-exceeded", "no end within " + deadline
                    + " (skydeck.operations.deadline); still waiting: " + waiting.getMessage(), null);
            return;
        }
        LOG.debugf("operation %s waits: %s", op.id(), waiting.getMessage());
        fenced(claim, managed -> managed.pollAgainAt(now.plus(pollWait(op.createdAt(), now)), now));
    }

    private void providerError(Claim claim, Operation op, OperationHandler handler, ProviderException e) {
        Instant now = clock.instant();
        if (e.retryable() && op.attempts() + 1 < config.operations().maxAttempts()) {
            Instant next = now.plus(backoff(op.attempts(), e));
            LOG.infof("operation %s: %s; retry %d at %s", op.id(), ProviderErrors.detail(e), op.attempts() + 1, next);
            fenced(claim, managed -> managed.retryAt(next, ProviderErrors.type(e), ProviderErrors.detail(e), now));
        } else {
            finishFailed(claim, op, handler, ProviderErrors.type(e), ProviderErrors.detail(e), e);
        }
    }

    private void finishFailed(Claim claim, Operation op, OperationHandler handler, String type, String detail, ProviderException cause) {
        Instant now = clock.instant();
        fenced(claim, handler, managed -> {
            handler.failed(managed, cause, now);
            managed.failed(type, detail, now);
        });
    }

    Duration deadlineOf(OperationKind kind) {
        return config.operations().deadlines().getOrDefault(kind.name(), config.operations().deadline());
    }

    /** Polls slow down as an operation ages: a tenth of its age, between poll-interval and max-poll-interval. */
    Duration pollWait(Instant createdAt, Instant now) {
        Duration tenth = Duration.between(createdAt, now).dividedBy(10);
        Duration floor = config.operations().pollInterval();
        Duration ceiling = config.operations().maxPollInterval();
        return tenth.compareTo(floor) < 0 ? floor : tenth.compareTo(ceiling) > 0 ? ceiling : tenth;
    }

    /** Exponential backoff with full jitter, at least what a throttling provider asked for. */
    static Duration backoff(int attempts, ProviderException e) {
        long ceilingMillis = Math.min(30_000, 500L << Math.min(attempts, 10));
        long millis = ThreadLocalRandom.current().nextLong(ceilingMillis / 2, ceilingMillis + 1);
        Duration wait = Duration.ofMillis(millis);
        if (e instanceof Throttled throttled) {
            return throttled.retryAfter().filter(asked -> asked.compareTo(wait) > 0).orElse(wait);
        }
        return wait;
    }

    /**
     * A bug (not a provider answer) broke this step: retried with backoff like a provider error,
     * and once the attempts are spent the operation fails, undone by its handler where possible.
     */
    private void internalError(Claim claim, Operation op, OperationHandler handler, RuntimeException e) {
        Instant now = clock.instant();
        String detail = String.valueOf(e.getMessage());
        if (op.attempts() + 1 < config.operations().maxAttempts()) {
            Instant next = now.plus(backoff(op.attempts(), null));
            fenced(claim, managed -> managed.retryAt(next, "internal", detail, now));
            return;
        }
        try {
            finishFailed(claim, op, handler, "internal", detail, null);
        } catch (RuntimeException undo) {
            // Undoing failed as well: end the operation anyway, so it stops here; the log says why.
            LOG.errorf(undo, "operation %s: undoing it failed too; it ends FAILED without undo", op.id());
            fenced(claim, managed -> managed.failed("internal", detail, now));
        }
    }

    /**
     * Applies {@code change} to the operation (and, through the handler, to its resource) only
     * while this replica's claim holds: the first statement is a write conditional on the claim
     * token, which also locks the row until the transaction ends. A lost claim changes nothing.
     */
    private boolean fenced(Claim claim, java.util.function.Consumer<Operation> change) {
        return fenced(claim, null, change);
    }

    /** As above, with the resource's row of {@code handler}'s kind read by the fencing statement ({@link OperationHandler#targetRow}). */
    private boolean fenced(Claim claim, OperationHandler handler, java.util.function.Consumer<Operation> change) {
        Optional<OperationHandler.TargetRow> target = handler == null ? Optional.empty() : handler.targetRow();
        boolean written = QuarkusTransaction.requiringNew().call(() -> {
            withoutWaitingForFlush();
            Optional<Operation> held = target.flatMap(row -> fenceWith(claim, row)).or(() -> fence(claim));
            if (held.isEmpty()) {
                return false;
            }
            claim.unwritten().ifPresent(step -> step.accept(held.get()));
            change.accept(held.get());
            return true;
        });
        if (!written) {
            LOG.infof("operation %s: another replica took it over; this one writes nothing and lets go", claim.operationId());
        }
        return written;
    }

    /**
     * The current transaction's commit will not wait for its WAL record to reach the disk
     * ({@code SET LOCAL synchronous_commit TO off}; see the class comment for why the runner's
     * writes may). Sent through JDBC, not as a Hibernate native update, which would drop the
     * session's cached state of every entity type.
     */
    private void withoutWaitingForFlush() {
        em.unwrap(org.hibernate.Session.class).doWork(connection -> {
            try (java.sql.Statement s = connection.createStatement()) {
                s.execute("SET LOCAL synchronous_commit TO off");
            }
        });
    }

    /** The fence and the read in one statement: the row comes back (managed) only if the token is still ours. */
    private Optional<Operation> fence(Claim claim) {
        @SuppressWarnings("unchecked")
        List<Operation> held = em.createNativeQuery("""
                        UPDATE operation SET claimed_until = claimed_until WHERE id = ?1 AND claim_token = ?2
                        RETURNING *""", Operation.class)
                .setParameter(1, claim.operationId()).setParameter(2, claim.token()).getResultList();
        return held.stream().findFirst();
    }

    /**
     * The fence, the operation and its resource's row in one statement. The resource's row is
     * locked after the operation's (the runner's order, and a cancel's) and so comes back as it is
     * once the lock is had — a change committed while the fence waited included — not as the
     * statement's snapshot saw it. Empty when the claim is lost or the resource has no row: the
     * plain fence then tells which.
     */
    private Optional<Operation> fenceWith(Claim claim, OperationHandler.TargetRow target) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.unwrap(org.hibernate.Session.class).createNativeQuery("""
                        WITH fence AS (UPDATE operation SET claimed_until = claimed_until WHERE id = :id AND claim_token = :token
                                       RETURNING *)
                        SELECT {o.*}, {t.*} FROM fence o JOIN %s t ON t.id = o.target_id FOR NO KEY UPDATE OF t"""
                        .formatted(target.table()), Object[].class)
                .addEntity("o", Operation.class).addEntity("t", target.entity())
                .setParameter("id", claim.operationId()).setParameter("token", claim.token())
                .getResultList();
        return rows.stream().findFirst().map(r -> (Operation) r[0]);
    }

    private OperationHandler handlerFor(OperationKind kind) {
        return handlers.of(kind);
    }

    private String write(OperationHandle handle) {
        try {
            return json.writeValueAsString(handle);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot store the provider's handle", e);
        }
    }

    private OperationHandle read(String handle) {
        try {
            return json.readValue(handle, OperationHandle.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored provider handle is unreadable: " + handle, e);
        }
    }
}
