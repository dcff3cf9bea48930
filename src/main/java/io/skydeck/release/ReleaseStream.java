package io.skydeck.release;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.skydeck.release.ReleaseViews.EventView;
import io.skydeck.release.rollout.ReleaseState;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows releases for clients: emits every event of the release from the first, then each new
 * one as it is stored, and completes once the release has finished and its last event is out
 * (or after a bounded time). It reads the database, so it sees the events whichever replica
 * drives the release; one watcher thread per replica serves every follower.
 */
@ApplicationScoped
public class ReleaseStream {

    private static final Logger LOG = Logger.getLogger(ReleaseStream.class);
    static final Duration CHECK_EVERY = Duration.ofMillis(250);
    static final Duration GIVE_UP_AFTER = Duration.ofHours(2);
    private static final int PER_TICK = 500;

    @Inject
    ReleaseProgress progress;

    @Inject
    ReleaseRepository releases;

    private static final class Follower {
        final MultiEmitter<? super EventView> emitter;
        final long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        long lastSeq;

        Follower(MultiEmitter<? super EventView> emitter) {
            this.emitter = emitter;
        }
    }

    private final Map<UUID, Set<Follower>> followers = new ConcurrentHashMap<>();
    private ScheduledExecutorService watcher;

    @PostConstruct
    void startWatcher() {
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "skydeck-release-streams");
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

    public List<EventView> events(UUID releaseId, long afterSeq, int limit) {
        return progress.events(releaseId, afterSeq, limit);
    }

    public Multi<EventView> follow(UUID releaseId) {
        return Multi.createFrom().emitter(emitter -> {
            Follower follower = new Follower(emitter);
            followers.computeIfAbsent(releaseId, id -> ConcurrentHashMap.newKeySet()).add(follower);
            emitter.onTermination(() -> followers.computeIfPresent(releaseId, (key, set) -> {
                set.remove(follower);
                return set.isEmpty() ? null : set;
            }));
            watcher.execute(this::checkQuietly);
        });
    }

    private void checkQuietly() {
        try {
            check();
        } catch (RuntimeException e) {
            LOG.warnf("release streams: reading events failed (%s); the next tick retries", e.toString());
        }
    }

    private void check() {
        for (Map.Entry<UUID, Set<Follower>> entry : followers.entrySet()) {
            UUID id = entry.getKey();
            for (Follower f : entry.getValue()) {
                // The state first: a release seen finished before its events are read has no event left to come.
                boolean finished = QuarkusTransaction.requiringNew().call(() -> releases.findByIdOptional(id)
                        .map(r -> ReleaseState.valueOf(r.state()).finished()).orElse(true));
                List<EventView> events = QuarkusTransaction.requiringNew().call(() -> progress.events(id, f.lastSeq, PER_TICK));
                for (EventView e : events) {
                    f.emitter.emit(e);
                    f.lastSeq = e.seq();
                }
                if ((finished && events.size() < PER_TICK) || System.nanoTime() > f.deadline) {
                    f.emitter.complete();
                }
            }
        }
    }
}
