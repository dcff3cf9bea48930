package io.skydeck.release.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Plays the service's driver as it is with steps that start before their record
 * ({@link Rollout#startsBeforeRecorded}) against a played provider that keeps what is really
 * true of each instance — in traffic or not, which version — while the store only knows what was
 * written. The driver records results in memory, starts the early steps at once, writes now and
 * then; it crashes (what it started may or may not have happened, its results are lost, the next
 * driver restores the store and runs what it shows running), and a person acts on the store in
 * the middle of it all (pause, resume, rollback, abort), which makes the driver's next write stale
 * so that it reloads and records its results again. Calls on one instance run one at a time, as
 * the driver keeps them. Whatever the order:
 * <ul>
 *   <li>nothing is installed or restored on an instance that is in traffic;</li>
 *   <li>at the end the provider is where the store says: a succeeded release's done instances are
 *       in traffic on the new version and its failed ones out of traffic; a rolled-back release's
 *       instances are all in traffic on the old version.</li>
 * </ul>
 */
class EarlyStartPropertiesTest {

    private enum Version { OLD, NEW }

    /** What is really true of the instances, whatever the store says. */
    private static final class Provider {
        final Map<String, Boolean> inTraffic = new HashMap<>();
        final Map<String, Version> version = new HashMap<>();
        final Set<String> bad;

        Provider(List<String> ids, Set<String> bad) {
            this.bad = bad;
            ids.forEach(id -> {
                inTraffic.put(id, true);
                version.put(id, Version.OLD);
            });
        }

        /** Runs the call; whether it succeeded (a bad instance fails its ignition check on the new version). */
        boolean run(StepCall c) {
            String id = c.instance();
            switch (c.step()) {
                case PULL_OUT -> inTraffic.put(id, false);
                case PULL_IN -> inTraffic.put(id, true);
                case INSTALL, RESTORE -> {
                    assertThat(inTraffic.get(id)).as("%s: %s while in traffic", id, c.step()).isFalse();
                    version.put(id, c.step() == Step.INSTALL ? Version.NEW : Version.OLD);
                }
                case IGNITION_CHECK -> {
                    return !(bad.contains(id) && version.get(id) == Version.NEW);
                }
                default -> {
                    // FETCH reads only
                }
            }
            return true;
        }
    }

    private record Result(StepCall call, boolean succeeded) {
    }

    @Property(tries = 300)
    void earlyStepsLeaveTheProviderWhereTheStoreSaysItIs(
            @ForAll @IntRange(min = 1, max = 40) int size,
            @ForAll @IntRange(min = 1, max = 12) int batchSize,
            @ForAll @IntRange(min = 1, max = 10) int parallelism,
            @ForAll @DoubleRange(min = 0.05, max = 1.0) double brakeRatio,
            @ForAll @DoubleRange(min = 0.0, max = 0.9) double onlineMinimum,
            @ForAll boolean bastion,
            @ForAll @IntRange(min = 0, max = 50) int failPercent,
            @ForAll long seed) {
        RolloutPolicy policy = new RolloutPolicy(batchSize, parallelism, brakeRatio, onlineMinimum, bastion);
        List<String> ids = RolloutTest.group(size);
        Assume.that(policy.minimumInTraffic(size) <= size - 1);
        Random random = new Random(seed);
        Set<String> bad = RolloutTest.someOf(ids, failPercent, random);
        Provider provider = new Provider(ids, bad);

        Rollout first = Rollout.plan(ids, policy);
        first.advance();
        RolloutSnapshot stored = RolloutPropertiesTest.writtenAsRows(first.snapshot(), first);
        long version = 1;
        Rollout memory = Rollout.restore(stored);
        long seen = version;
        Map<String, StepCall> inFlight = new LinkedHashMap<>(); // started, no result yet: one per instance
        List<StepCall> toRun = new ArrayList<>();                  // started, not yet run by the provider
        List<Result> results = new ArrayList<>();                  // run, not yet recorded
        int early = 0;
        int crashes = 0;
        int stale = 0;
        for (StepCall c : memory.running()) {
            start(c, inFlight, toRun);
        }

        for (int round = 0; round < 200_000; round++) {
            int roll = random.nextInt(100);
            if (roll < 2) {
                crashes++;
                memory = crash(provider, stored, inFlight, toRun, results, random);
                seen = version;
                continue;
            }
            if (roll < 3) {
                // A person acts on the store in the middle of the roll.
                Rollout acted = Rollout.restore(stored);
                try {
                    switch (random.nextInt(20)) {
                        case 0, 1, 2, 3, 4, 5, 6 -> acted.pause();
                        case 7, 8, 9, 10, 11, 12 -> acted.resume();
                        case 13, 14, 15, 16, 17, 18 -> acted.rollback();
                        default -> acted.abort();
                    }
                    acted.drainChanges();
                    stored = RolloutPropertiesTest.writtenAsRows(stored, acted);
                    version++;
                } catch (ActionRefused refused) {
                    // not now
                }
                continue;
            }
            if (roll < 55 && !toRun.isEmpty()) {
                StepCall c = toRun.remove(random.nextInt(toRun.size()));
                results.add(new Result(c, provider.run(c)));
                continue;
            }
            if (!results.isEmpty()) {
                // The driver's turn: record what came in, start the early steps, write (again on a reload when stale).
                List<Result> batch = new ArrayList<>(results);
                results.clear();
                for (Result r : batch) {
                    inFlight.remove(r.call().instance(), r.call());
                }
                boolean crashed = false;
                while (true) {
                    List<StepCall> given = new ArrayList<>();
                    for (Result r : batch) {
                        given.addAll(memory.record(r.call(), r.succeeded(), r.succeeded() ? null : "503"));
                    }
                    for (StepCall c : given) {
                        if (memory.startsBeforeRecorded(c)) {
                            early++;
                            start(c, inFlight, toRun);
                        }
                    }
                    if (random.nextInt(25) == 0) {
                        // Dies during the write: the early steps may have run, the write did not land.
                        crashes++;
                        crashed = true;
                        memory = crash(provider, stored, inFlight, toRun, results, random);
                        seen = version;
                        break;
                    }
                    if (seen != version) {
                        stale++;
                        memory = Rollout.restore(stored);
                        seen = version;
                        continue;
                    }
                    memory.drainChanges();
                    stored = RolloutPropertiesTest.writtenAsRows(stored, memory);
                    version++;
                    seen = version;
                    break;
                }
                if (!crashed) {
                    for (StepCall c : memory.running()) {
                        start(c, inFlight, toRun);
                    }
                }
                continue;
            }
            if (!inFlight.isEmpty()) {
                continue; // waiting on the provider
            }
            if (seen != version) {
                memory = Rollout.restore(stored);
                seen = version;
                for (StepCall c : memory.running()) {
                    start(c, inFlight, toRun);
                }
                continue;
            }
            if (memory.state().finished()) {
                break;
            }
            // Nothing runs: the person's turn, on the store.
            Rollout acted = Rollout.restore(stored);
            switch (acted.state()) {
                case BAKING -> {
                    if (acted.stateOf(ids.get(0)) == InstanceState.VERIFIED) {
                        acted.pullInBastion();
                    } else {
                        acted.approve();
                    }
                }
                case PAUSED -> acted.resume();
                case BRAKED, SMOKE_FAILED -> acted.rollback();
                default -> throw new AssertionError("stuck in " + acted.state() + " with nothing running");
            }
            acted.drainChanges();
            stored = RolloutPropertiesTest.writtenAsRows(stored, acted);
            version++;
        }

        assertThat(memory.state()).as("finished").isIn(ReleaseState.SUCCEEDED, ReleaseState.ROLLED_BACK, ReleaseState.ABORTED);
        Statistics.label("end").collect(memory.state(), early > 0 ? "early starts" : "none early", crashes > 0 ? "crashed" : "no crash",
                stale > 0 ? "stale writes" : "no stale write");
        for (String id : ids) {
            InstanceState state = memory.stateOf(id);
            switch (state) {
                case DONE -> {
                    assertThat(provider.inTraffic.get(id)).as("%s DONE is in traffic", id).isTrue();
                    assertThat(provider.version.get(id)).as("%s DONE runs the new version", id).isEqualTo(Version.NEW);
                }
                case FAILED -> assertThat(provider.inTraffic.get(id)).as("%s FAILED stays out of traffic", id).isFalse();
                case REVERTED, WAITING -> {
                    assertThat(provider.inTraffic.get(id)).as("%s %s is in traffic", id, state).isTrue();
                    assertThat(provider.version.get(id)).as("%s %s runs the old version", id, state).isEqualTo(Version.OLD);
                }
                default -> assertThat(memory.state()).as("%s is %s only when the release was aborted", id, state).isEqualTo(ReleaseState.ABORTED);
            }
        }
    }

    /**
     * The driver dies: what it started may have reached the provider or not, its results are
     * lost; the next driver restores the store and starts what it shows running.
     */
    private static Rollout crash(Provider provider, RolloutSnapshot stored, Map<String, StepCall> inFlight, List<StepCall> toRun,
                                 List<Result> results, Random random) {
        for (StepCall c : toRun) {
            if (random.nextBoolean()) {
                provider.run(c);
            }
        }
        toRun.clear();
        results.clear();
        inFlight.clear();
        Rollout restored = Rollout.restore(stored);
        for (StepCall c : restored.running()) {
            start(c, inFlight, toRun);
        }
        return restored;
    }

    private static void start(StepCall c, Map<String, StepCall> inFlight, List<StepCall> toRun) {
        if (inFlight.putIfAbsent(c.instance(), c) == null) {
            toRun.add(c);
        }
    }
}
