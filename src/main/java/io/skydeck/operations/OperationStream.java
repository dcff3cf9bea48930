package io.skydeck.operations;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.skydeck.operations.OperationResource.OperationView;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Follows an operation for a client that would rather be told than poll: emits its state now
 * and again each time it changes, and completes when it finishes (or after a bounded time).
 * Reads the database, so it works whichever replica is driving the operation.
 */
@ApplicationScoped
public class OperationStream {

    static final Duration CHECK_EVERY = Duration.ofMillis(250);
    static final Duration GIVE_UP_AFTER = Duration.ofMinutes(15);

    @Inject
    EntityManager em;

    private final ScheduledExecutorService checks = Executors.newScheduledThreadPool(1, r -> {
        Thread t = new Thread(r, "skydeck-operation-streams");
        t.setDaemon(true);
        return t;
    });

    void stop(@Observes ShutdownEvent event) {
        checks.shutdownNow();
    }

    public Multi<OperationView> follow(UUID operationId) {
        return Multi.createFrom().emitter(emitter -> {
            AtomicReference<OperationView> last = new AtomicReference<>();
            long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
            AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
            task.set(checks.scheduleWithFixedDelay(() -> check(operationId, emitter, last, deadline, task),
                    0, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS));
            emitter.onTermination(() -> cancel(task));
        });
    }

    private void check(UUID id, MultiEmitter<? super OperationView> emitter, AtomicReference<OperationView> last,
                       long deadline, AtomicReference<ScheduledFuture<?>> task) {
        try {
            OperationView now = QuarkusTransaction.requiringNew().call(() -> {
                Operation op = em.find(Operation.class, id);
                return op == null ? null : OperationView.of(op);
            });
            if (now != null && (last.get() == null || !progress(now).equals(progress(last.get())))) {
                last.set(now);
                emitter.emit(now);
            }
            if (now == null || now.state() == Operation.State.SUCCEEDED || now.state() == Operation.State.FAILED
                    || System.nanoTime() > deadline) {
                emitter.complete();
                cancel(task);
            }
        } catch (RuntimeException e) {
            emitter.fail(e);
            cancel(task);
        }
    }

    /** What a follower cares about; updatedAt moves on every poll of the provider and is not news. */
    private static java.util.List<Object> progress(OperationView op) {
        return java.util.Arrays.asList(op.state(), op.attempts(), op.error());
    }

    private static void cancel(AtomicReference<ScheduledFuture<?>> task) {
        ScheduledFuture<?> running = task.get();
        if (running != null) {
            running.cancel(false);
        }
    }
}
