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
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Drives operations to the end, in the background, on every replica.
 *
 * <p>An operation is claimed for {@value #CLAIM_SECONDS} s with {@code FOR UPDATE SKIP LOCKED},
 * so two replicas never work on the same one; a replica that dies mid-step simply lets its
 * claim run out and the operation is picked up again — from its stored provider handle if the
 * provider had accepted it, or by submitting again with the same idempotency token if not.
 * That is the whole of restart recovery: there is no separate "resume" path to get wrong.
 */
@ApplicationScoped
public class OperationRunner {

    private static final Logger LOG = Logger.getLogger(OperationRunner.class);
    static final int CLAIM_SECONDS = 60;
    private static final int BATCH = 16;

    @Inject
    EntityManager em;

    @Inject
    Instance<OperationHandler> handlers;

    @Inject
    ProviderRegistry providers;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    @Inject
    SkydeckConfig config;

    private ScheduledExecutorService loop;

    void start(@Observes StartupEvent event) {
        if (!config.operations().runnerEnabled()) {
            LOG.info("operation runner disabled (skydeck.operations.runner-enabled=false)");
            return;
        }
        loop = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "skydeck-operations"));
        long every = config.operations().pollInterval().toMillis();
        loop.scheduleWithFixedDelay(this::runSafely, every, every, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        if (loop != null) {
            loop.shutdown();
            loop.awaitTermination(10, TimeUnit.SECONDS);
        }
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

    /** One pass: claims what is due and advances each by one step. Returns how many it claimed. */
    public int runOnce() {
        List<UUID> due = claimDue();
        for (UUID id : due) {
            MDC.put("requestId", "operation:" + id);
            try {
                advance(id);
            } catch (RuntimeException e) {
                // A bug, not a provider answer: leave the claim to expire and try again later.
                LOG.errorf(e, "operation %s could not advance", id);
            } finally {
                MDC.remove("requestId");
            }
        }
        return due.size();
    }

    @SuppressWarnings("unchecked")
    private List<UUID> claimDue() {
        OffsetDateTime now = OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        return QuarkusTransaction.requiringNew().call(() -> {
            List<UUID> ids = em.createNativeQuery("""
                            SELECT id FROM operation
                            WHERE state IN ('PENDING', 'RUNNING') AND next_attempt_at <= ?1
                              AND (claimed_until IS NULL OR claimed_until < ?1)
                            ORDER BY next_attempt_at LIMIT ?2 FOR UPDATE SKIP LOCKED""", UUID.class)
                    .setParameter(1, now).setParameter(2, BATCH).getResultList();
            if (!ids.isEmpty()) {
                em.createNativeQuery("UPDATE operation SET claimed_until = ?1 WHERE id = ANY(?2)")
                        .setParameter(1, now.plusSeconds(CLAIM_SECONDS))
                        .setParameter(2, ids.toArray(new UUID[0]))
                        .executeUpdate();
            }
            return ids;
        });
    }

    private void advance(UUID id) {
        Operation op = QuarkusTransaction.requiringNew().call(() -> em.find(Operation.class, id));
        if (op == null || op.isFinished()) {
            return;
        }
        OperationHandler handler = handlerFor(op.kind());
        if (op.state() == Operation.State.PENDING) {
            submit(op, handler);
        } else {
            poll(op, handler);
        }
    }

    private void submit(Operation op, OperationHandler handler) {
        Optional<OperationHandle> submitted;
        try {
            submitted = handler.submit(op);
        } catch (ProviderException e) {
            providerError(op, handler, e);
            return;
        } catch (RuntimeException e) {
            finishFailed(op, handler, "internal", e.getMessage(), null);
            LOG.errorf(e, "operation %s failed before reaching the provider", op.id());
            return;
        }
        Instant now = clock.instant();
        if (submitted.isEmpty()) {
            inTransaction(op.id(), managed -> {
                handler.succeeded(managed, null, now);
                managed.succeeded(now);
            });
            return;
        }
        String stored = write(submitted.get());
        inTransaction(op.id(), managed -> managed.accepted(stored, now, now));
    }

    private void poll(Operation op, OperationHandler handler) {
        OperationHandle handle = read(op.providerHandle());
        OperationStatus status;
        try {
            status = providers.get(op.provider()).poll(handle);
        } catch (ResourceNotFound e) {
            // The provider no longer knows what it accepted (it crashed before persisting it):
            // submit again; the token returns the same resource if it does exist after all.
            LOG.warnf("operation %s: provider lost %s; submitting again", op.id(), handle.operationId());
            inTransaction(op.id(), managed -> managed.resubmit(clock.instant()));
            return;
        } catch (ProviderException e) {
            providerError(op, handler, e);
            return;
        }
        Instant now = clock.instant();
        if (status instanceof OperationStatus.InProgress progress) {
            Duration deadline = deadlineOf(op.kind());
            if (now.isAfter(op.createdAt().plus(deadline))) {
                // No end in sight (a provider that silently dropped the request): fail and compensate
                // rather than hold quota and capacity, and block the resource, for ever.
                finishFailed(op, handler, "operation-deadline-exceeded", "no end within " + deadline
                        + " (skydeck.operations.deadline); the provider last said: " + progress.detail(), null);
                return;
            }
            inTransaction(op.id(), managed -> managed.pollAgainAt(now.plus(pollWait(op.createdAt(), now)), now));
        } else if (status instanceof OperationStatus.Succeeded done) {
            inTransaction(op.id(), managed -> {
                handler.succeeded(managed, handle, done.finishedAt());
                managed.succeeded(now);
            });
        } else if (status instanceof OperationStatus.Failed failed) {
            finishFailed(op, handler, ProviderErrors.type(failed.error()), ProviderErrors.detail(failed.error()), failed.error());
        }
    }

    private void providerError(Operation op, OperationHandler handler, ProviderException e) {
        Instant now = clock.instant();
        if (e.retryable() && op.attempts() + 1 < config.operations().maxAttempts()) {
            Instant next = now.plus(backoff(op.attempts(), e));
            LOG.infof("operation %s: %s; retry %d at %s", op.id(), ProviderErrors.detail(e), op.attempts() + 1, next);
            inTransaction(op.id(), managed -> managed.retryAt(next, ProviderErrors.type(e), ProviderErrors.detail(e), now));
        } else {
            finishFailed(op, handler, ProviderErrors.type(e), ProviderErrors.detail(e), e);
        }
    }

    private void finishFailed(Operation op, OperationHandler handler, String type, String detail, ProviderException cause) {
        Instant now = clock.instant();
        inTransaction(op.id(), managed -> {
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

    private void inTransaction(UUID id, java.util.function.Consumer<Operation> change) {
        QuarkusTransaction.requiringNew().run(() -> change.accept(em.find(Operation.class, id)));
    }

    private OperationHandler handlerFor(OperationKind kind) {
        for (OperationHandler handler : handlers) {
            if (handler.handles(kind)) {
                return handler;
            }
        }
        throw new IllegalStateException("no handler for " + kind);
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
