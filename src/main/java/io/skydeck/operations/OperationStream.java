package io.skydeck.operations;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.skydeck.operations.OperationResource.OperationView;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Follows operations for clients that would rather be told than poll: emits an operation's state
 * now and again each time it changes, and completes when it finishes (or after a bounded time).
 *
 * <p>One watcher per replica serves every follower: each tick it reads all followed operations
 * in one query, so a thousand open streams cost one query per tick, not a thousand. It reads the
 * database, so it sees progress whichever replica drives the operation.
 */
@ApplicationScoped
public class OperationStream {

    private static final Logger LOG = Logger.getLogger(OperationStream.class);
    static final Duration CHECK_EVERY = Duration.ofMillis(250);
    static final Duration GIVE_UP_AFTER = Duration.ofMinutes(15);

    @Inject
    OperationRepository operationRepository;

    /** One follower: a client's stream and what it was last told. */
    private static final class Follower {
        final MultiEmitter<? super OperationView> emitter;
        final long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        OperationView last;

        Follower(MultiEmitter<? super OperationView> emitter) {
            this.emitter = emitter;
        }
    }

    private final Map<UUID, Set<Follower>> followers = new ConcurrentHashMap<>();
    /** Queries the watcher made; what a test counts to see that followers share them. */
    private final AtomicLong reads = new AtomicLong();
    private final AtomicBoolean extraCheckQueued = new AtomicBoolean();

    private ScheduledExecutorService watcher;

    @PostConstruct
    void startWatcher() {
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "skydeck-operation-streams");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::checkQuietly, CHECK_EVERY.toMillis(), CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    public Multi<OperationView> follow(UUID operationId) {
        return Multi.createFrom().emitter(emitter -> {
            Follower follower = new Follower(emitter);
            followers.computeIfAbsent(operationId, id -> ConcurrentHashMap.newKeySet()).add(follower);
            emitter.onTermination(() -> unfollow(operationId, follower));
            // The first state without waiting for the next tick, on the watcher's thread so checks never
            // overlap; followers arriving together share that one extra read.
            if (extraCheckQueued.compareAndSet(false, true)) {
                watcher.execute(() -> {
                    extraCheckQueued.set(false);
                    checkQuietly();
                });
            }
        });
    }

    long reads() {
        return reads.get();
    }

    int following() {
        return followers.values().stream().mapToInt(Set::size).sum();
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warnf("operation streams: reading followed operations failed (%s); the next tick retries", e.toString());
        }
    }

    private void check() {
        if (followers.isEmpty()) {
            return;
        }
        List<UUID> ids = List.copyOf(followers.keySet());
        reads.incrementAndGet();
        Map<UUID, OperationView> now = QuarkusTransaction.requiringNew().call(() -> operationRepository
                .stream("id in ?1", ids)
                .collect(Collectors.toMap(Operation::id, OperationView::of, (a, b) -> a)));
        for (UUID id : ids) {
            OperationView view = now.get(id);
            for (Follower follower : followers.getOrDefault(id, Set.of())) {
                tell(follower, view);
            }
        }
    }

    private static void tell(Follower follower, OperationView view) {
        if (view != null && (follower.last == null || !progress(view).equals(progress(follower.last)))) {
            follower.last = view;
            follower.emitter.emit(view);
        }
        if (view == null || view.state().isFinal()
                || System.nanoTime() > follower.deadline) {
            follower.emitter.complete();
        }
    }

    private void unfollow(UUID id, Follower follower) {
        followers.computeIfPresent(id, (key, set) -> {
            set.remove(follower);
            return set.isEmpty() ? null : set;
        });
    }

    /** What a follower cares about; updatedAt moves on every poll of the provider and is not news. */
    private static List<Object> progress(OperationView op) {
        return Arrays.asList(op.state(), op.attempts(), op.error());
    }
}
