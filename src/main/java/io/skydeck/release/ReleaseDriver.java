package io.skydeck.release;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.release.rollout.Change;
import io.skydeck.release.rollout.ReleaseFlow;
import io.skydeck.release.rollout.StepCall;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Drives one release on this replica while it holds the release's lease: restores the stored
 * rollout (any {@link ReleaseFlow}: the Tars flow or a two-group switchover), runs every step the rollout has given out (each on a thread of its own, outside any
 * transaction), and records the results that have come in — all of them at once, and those that
 * come in within {@link ReleaseConfig#writeLinger()} while other steps still run — in one short
 * transaction fenced by the lease's token, storing the rollout's snapshot with them. Steps the
 * rollout gives out next are started only after that write, so every instance that starts is on
 * record as started first: after a crash the next driver re-runs exactly the steps on record as
 * running, and nothing is skipped or started twice. The exception are the steps the flow lets
 * start before their record ({@link ReleaseFlow#startsBeforeRecorded}: an instance's fetch,
 * ignition check and pull-in), which start as soon as the result before them is recorded in
 * memory, while the write runs: an instance then waits for two writes on its way (its start and
 * its install) instead of one per step.
 *
 * <p>A person's action changes the stored release under the driver (see
 * {@link ReleaseService#act}); the driver notices the moved version — at its write, or while it
 * waits — reloads the rollout and records its results again on it. When nothing is left to run
 * (baking, braked, paused, finished) it lets the lease go and ends; an action that gives out new
 * steps makes the release wanted by a driver again.
 */
final class ReleaseDriver implements Runnable {

    private static final Logger LOG = Logger.getLogger(ReleaseDriver.class);
    private static final Duration LOOK_FOR_ACTIONS_EVERY = Duration.ofMillis(200);

    private final UUID releaseId;
    private final String replica;
    private final long token;
    private final ReleaseDrivers drivers;
    private final BlockingQueue<InstanceSteps.Result> results = new LinkedBlockingQueue<>();
    private volatile boolean dead;
    private ExecutorService workers;

    ReleaseDriver(UUID releaseId, String replica, long token, ReleaseDrivers drivers) {
        this.releaseId = releaseId;
        this.replica = replica;
        this.token = token;
        this.drivers = drivers;
    }

    UUID releaseId() {
        return releaseId;
    }

    String replica() {
        return replica;
    }

    long token() {
        return token;
    }

    /**
     * Plays a replica that stops dead: no more renewals, no more steps started, nothing let go.
     * Steps already running finish on their own threads; what they would record is written only
     * if the lease is still this driver's (it is not, once another replica took it over).
     */
    void die() {
        dead = true;
    }

    @Override
    public void run() {
        try {
            drive();
        } catch (RuntimeException e) {
            LOG.warnf(e, "release %s: driver on %s stopped; another pass (or replica) picks the release up", releaseId, replica);
        } finally {
            if (workers != null && !dead) {
                workers.shutdownNow();
            }
            drivers.ended(this);
        }
    }

    private void drive() throws RuntimeException {
        InstanceSteps.Plan plan = QuarkusTransaction.requiringNew().call(() -> drivers.releases.plan(releaseId));
        ReleaseProgress.Stored stored = load();
        ReleaseFlow rollout = stored.flow();
        long version = stored.version();
        workers = Executors.newFixedThreadPool(Math.max(1, rollout.parallelism()), r -> {
            Thread t = new Thread(r, "skydeck-release-" + releaseId.toString().substring(0, 8));
            t.setDaemon(true);
            return t;
        });
        GateRunner gate = new GateRunner(releaseId, replica, token, drivers, plan);
        gate.prepare(rollout);
        // By instance: one call at a time on an instance (an early pull-in a stale write left running must be done before
        // the rollback that came in pulls the instance out); the call itself, since a stale write's early calls may share
        // an id with later ones.
        Map<String, StepCall> inFlight = new HashMap<>();
        Duration ttl = drivers.config.leaseDuration();
        long renewAt = System.nanoTime() + ttl.toNanos() / 3;
        while (!dead) {
            if (System.nanoTime() >= renewAt) {
                if (!drivers.lease.renew(releaseId, token, ttl)) {
                    LOG.infof("release %s: %s lost its lease; another replica drives it", releaseId, replica);
                    return;
                }
                renewAt = System.nanoTime() + ttl.toNanos() / 3;
            }
            for (StepCall call : rollout.running()) {
                start(call, plan, inFlight);
            }
            if (gate.due(rollout)) {
                GateRunner.Turn turn = gate.turn(rollout, version);
                if (turn instanceof GateRunner.Turn.LeaseLost) {
                    LOG.infof("release %s: %s lost its lease at a gate; the new driver goes on from the stored gate", releaseId, replica);
                    return;
                }
                if (turn instanceof GateRunner.Turn.Wrote wrote) {
                    version = wrote.version();
                    continue;
                }
                if (turn instanceof GateRunner.Turn.Stale || inFlight.isEmpty()) {
                    if (turn instanceof GateRunner.Turn.Waiting waiting) {
                        sleepUntil(waiting.until());
                    }
                    ReleaseProgress.Stored now = load(); // a person may have acted while the gate waited
                    if (now.version() != version) {
                        rollout = now.flow();
                        version = now.version();
                    }
                    continue;
                }
            }
            if (inFlight.isEmpty()) {
                if (drivers.lease.releaseIfIdle(releaseId, token, version)) {
                    return;
                }
                ReleaseProgress.Stored now = load(); // a person acted since our last write
                rollout = now.flow();
                version = now.version();
                continue;
            }
            InstanceSteps.Result first;
            try {
                first = results.poll(LOOK_FOR_ACTIONS_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (dead) {
                break;
            }
            if (first == null) {
                long stamp = QuarkusTransaction.requiringNew().call(() -> drivers.progress.version(releaseId));
                if (stamp != version) {
                    ReleaseProgress.Stored now = load();
                    rollout = now.flow();
                    version = now.version();
                }
                continue;
            }
            // Group commit: results that come in while others are still running within the linger are
            // recorded in memory and written together (their early steps start meanwhile).
            List<InstanceSteps.Result> batch = new ArrayList<>();
            Set<String> touched = new LinkedHashSet<>();
            take(first, rollout, batch, touched, plan, inFlight);
            long lingerEnd = System.nanoTime() + drivers.config.writeLinger().toNanos();
            while (true) {
                InstanceSteps.Result next = results.poll();
                if (next == null) {
                    long left = lingerEnd - System.nanoTime();
                    if (left <= 0 || inFlight.isEmpty()) {
                        break;
                    }
                    try {
                        next = results.poll(left, TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (next == null) {
                        break;
                    }
                }
                take(next, rollout, batch, touched, plan, inFlight);
            }
            while (true) {
                List<Change> changes = rollout.drainChanges();
                changes.stream().map(Change::instance).filter(i -> i != null).forEach(touched::add);
                ReleaseFlow recorded = rollout;
                long expected = version;
                ReleaseProgress.Written written = QuarkusTransaction.requiringNew().call(() ->
                        drivers.progress.write(releaseId, Optional.of(token), expected, recorded, changes, touched, "driver " + replica));
                if (written.outcome() == ReleaseProgress.Outcome.LEASE_LOST) {
                    LOG.infof("release %s: %s lost its lease; its last results are left to the new driver", releaseId, replica);
                    return;
                }
                if (written.outcome() == ReleaseProgress.Outcome.WRITTEN) {
                    version = written.version();
                    break;
                }
                ReleaseProgress.Stored now = load(); // stale: a person acted; record the same results on what they left
                rollout = now.flow();
                version = now.version();
                List<InstanceSteps.Result> again = List.copyOf(batch);
                batch.clear();
                touched.clear();
                for (InstanceSteps.Result r : again) {
                    take(r, rollout, batch, touched, plan, inFlight);
                }
            }
            drivers.written(this);
        }
    }

    /**
     * Records a result in memory and starts at once the steps the flow lets start before their
     * record; the provider is done with the result's call, so the instance's next call may start.
     */
    private void take(InstanceSteps.Result result, ReleaseFlow rollout, List<InstanceSteps.Result> batch, Set<String> touched,
                      InstanceSteps.Plan plan, Map<String, StepCall> inFlight) {
        batch.add(result);
        inFlight.remove(result.call().instance(), result.call());
        touched.add(result.call().instance());
        for (StepCall call : rollout.record(result.call(), result.succeeded(), result.failure())) {
            if (rollout.startsBeforeRecorded(call)) {
                start(call, plan, inFlight);
            }
        }
    }

    /**
     * Starts the call unless a call is in flight on its instance (the same, or one a later pass
     * starts this after), or this driver plays a replica that died.
     */
    private void start(StepCall call, InstanceSteps.Plan plan, Map<String, StepCall> inFlight) {
        if (!dead && inFlight.putIfAbsent(call.instance(), call) == null) {
            workers.execute(() -> results.add(drivers.steps.run(plan, call)));
        }
    }

    /** Waits for a gate's pause, a little at a time, so that renewals and a person's actions are seen. */
    private void sleepUntil(java.time.Instant until) {
        long millis = Math.min(LOOK_FOR_ACTIONS_EVERY.toMillis(), java.time.Duration.between(drivers.clock.instant(), until).toMillis());
        if (millis > 0) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while a gate waits", e);
            }
        }
    }

    private ReleaseProgress.Stored load() {
        return QuarkusTransaction.requiringNew().call(() -> drivers.progress.load(releaseId, false).orElseThrow());
    }
}
