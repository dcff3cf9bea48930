package io.skydeck.release.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/**
 * A driver that finishes running steps in random order, crashes now and then (the rollout is
 * restored from its last snapshot, the running steps are run again, and results from before the
 * crash still arrive late), and acts as the person: pulls the bastion in and approves, continues
 * after a brake a few times, then rolls back. It stores the rollout as the service does, rewriting
 * only the rows of the instances the rollout reports touched. Whatever the group, policy and faults:
 * <ul>
 *   <li>no instance starts twice (nothing redone), and none is skipped: the release ends
 *       SUCCEEDED with every instance updated, or ROLLED_BACK with every changed one restored;</li>
 *   <li>a batch starts only when every earlier batch has settled;</li>
 *   <li>never more than {@code parallelism} instances run;</li>
 *   <li>a start never leaves fewer than the online minimum in traffic;</li>
 *   <li>after the brake, nothing starts until the person continues (overshoot 0), and the
 *       first brake on the ratio comes at the first failure past it.</li>
 * </ul>
 */
class RolloutPropertiesTest {

    @Property(tries = 400)
    void theFlowHoldsItsPromisesUnderRandomOrderFailuresAndCrashes(
            @ForAll @IntRange(min = 1, max = 60) int size,
            @ForAll @IntRange(min = 1, max = 15) int batchSize,
            @ForAll @IntRange(min = 1, max = 12) int parallelism,
            @ForAll @DoubleRange(min = 0.05, max = 1.0) double brakeRatio,
            @ForAll @DoubleRange(min = 0.0, max = 0.9) double onlineMinimum,
            @ForAll boolean bastion,
            @ForAll @IntRange(min = 0, max = 60) int failPercent,
            @ForAll @IntRange(min = 0, max = 3) int continues,
            @ForAll long seed) {
        RolloutPolicy policy = new RolloutPolicy(batchSize, parallelism, brakeRatio, onlineMinimum, bastion);
        List<String> ids = RolloutTest.group(size);
        Assume.that(policy.minimumInTraffic(size) <= size - 1);
        Random random = new Random(seed);
        Set<String> bad = RolloutTest.someOf(ids, failPercent, random);
        int minimum = policy.minimumInTraffic(size);

        Rollout r = Rollout.plan(ids, policy);
        RolloutSnapshot stored = r.snapshot();
        List<StepCall> inFlight = new ArrayList<>(r.advance());
        List<StepCall> late = new ArrayList<>();
        Map<String, Integer> starts = new HashMap<>();
        boolean braked = false;
        boolean firstRatioBrakeSeen = false;
        int continued = 0;
        check(r, ids, starts, false, minimum, policy);
        stored = writtenAsRows(stored, r);

        for (int round = 0; round < 100_000 && !r.state().finished(); round++) {
            if (random.nextInt(40) == 0) {
                // Crash: what was running is lost with the driver, but may still report late.
                late.addAll(inFlight);
                r = Rollout.restore(stored);
                inFlight = new ArrayList<>(r.running());
                r.drainChanges();
                continue;
            }
            List<StepCall> next;
            if (!late.isEmpty() && random.nextInt(4) == 0) {
                StepCall c = late.remove(random.nextInt(late.size()));
                next = r.record(c, true, null);
                // A late result is either ignored or the very call restored and run again, which then is no longer running.
                List<StepCall> running = r.running();
                inFlight.removeIf(f -> f.equals(c) && !running.contains(c));
            } else if (!inFlight.isEmpty()) {
                StepCall c = inFlight.remove(random.nextInt(inFlight.size()));
                boolean fails = bad.contains(c.instance()) && r.stateOf(c.instance()) == InstanceState.UPDATING
                        && c.step() == (random.nextBoolean() ? Step.INSTALL : Step.IGNITION_CHECK);
                int failedBefore = r.failed();
                next = r.record(c, !fails, fails ? "exit 1" : null);
                if (r.state() == ReleaseState.BRAKED && !braked && !firstRatioBrakeSeen && continued == 0
                        && r.reason().contains("past the brake")) {
                    firstRatioBrakeSeen = true;
                    assertThat(failedBefore).as("the first brake on the ratio comes at the first failure past it")
                            .isEqualTo((int) Math.floor(brakeRatio * size + 1e-9));
                }
            } else {
                // Nothing runs: the person's turn.
                next = switch (r.state()) {
                    case BAKING -> r.stateOf(ids.get(0)) == InstanceState.VERIFIED ? r.pullInBastion() : r.approve();
                    case BRAKED -> continued++ < continues ? r.continueAfterBrake() : r.rollback();
                    case SMOKE_FAILED -> r.rollback();
                    default -> throw new AssertionError("stuck in " + r.state() + " with nothing running");
                };
                if (r.state() != ReleaseState.BRAKED) {
                    braked = false;
                }
            }
            inFlight.addAll(next);
            boolean startedWhileBraked = check(r, ids, starts, braked, minimum, policy);
            assertThat(startedWhileBraked).as("no instance starts after the brake").isFalse();
            if (r.state() == ReleaseState.BRAKED) {
                braked = true;
            }
            stored = writtenAsRows(stored, r);
            assertThat(r.running()).containsExactlyInAnyOrderElementsOf(inFlight.stream().distinct().toList());
        }

        assertThat(r.state()).isIn(ReleaseState.SUCCEEDED, ReleaseState.ROLLED_BACK);
        Statistics.label("end").collect(r.state(), firstRatioBrakeSeen ? "braked on the ratio" : "no ratio brake");
        if (r.state() == ReleaseState.SUCCEEDED) {
            for (String id : ids) {
                assertThat(r.stateOf(id)).as(id).isIn(InstanceState.DONE, InstanceState.FAILED);
            }
            assertThat(starts.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            if (bad.isEmpty()) {
                assertThat(r.instancesIn(InstanceState.DONE)).hasSize(size);
            }
        } else {
            for (String id : ids) {
                assertThat(r.stateOf(id)).as(id).isIn(InstanceState.WAITING, InstanceState.REVERTED);
            }
            assertThat(r.instancesIn(InstanceState.REVERTED)).containsAll(r.changed());
        }
        // Failed instances stay out of traffic for a person to look at; a rollback brings every one back.
        assertThat(r.inTraffic()).isEqualTo(r.state() == ReleaseState.SUCCEEDED ? size - r.failed() : size);
        assertThat(starts.values()).allSatisfy(n -> assertThat(n).as("starts of one instance").isEqualTo(1));
    }

    /**
     * Stores the rollout as the service does, one row per instance: only the rows of the instances
     * {@link Rollout#drainTouched touched} since the last write are written over the stored ones,
     * with the rollout's {@link Rollout#header header}. A change the rollout did not report as
     * touched would be lost at the next crash; the stored rows must therefore be the whole rollout
     * after every write.
     */
    static RolloutSnapshot writtenAsRows(RolloutSnapshot before, Rollout r) {
        List<RolloutSnapshot.Instance> rows = new ArrayList<>(before.instances());
        Set<String> touched = r.drainTouched();
        for (int i = 0; i < rows.size(); i++) {
            if (touched.contains(rows.get(i).id())) {
                rows.set(i, r.instance(rows.get(i).id()));
            }
        }
        assertThat(r.header().instances()).isEmpty();
        RolloutSnapshot stored = r.header().withInstances(rows);
        assertThat(stored).as("the stored rows with the touched ones rewritten are the whole rollout").isEqualTo(r.snapshot());
        return stored;
    }

    /** Checks the invariants after one call; returns whether an instance started while the release was braked. */
    private static boolean check(Rollout r, List<String> ids, Map<String, Integer> starts, boolean braked, int minimum,
                                 RolloutPolicy policy) {
        boolean startedWhileBraked = false;
        List<Change> changes = r.drainChanges();
        boolean startedAny = false;
        for (Change c : changes) {
            if (c.instance() != null && c.from().equals("WAITING") && c.to().equals("UPDATING")) {
                starts.merge(c.instance(), 1, Integer::sum);
                startedAny = true;
                startedWhileBraked |= braked;
                int batch = r.batchOf(c.instance());
                for (String other : ids) {
                    if (r.batchOf(other) < batch) {
                        assertThat(r.stateOf(other).settled()).as("%s of batch %d settled before %s of batch %d starts", other,
                                r.batchOf(other), c.instance(), batch).isTrue();
                    }
                }
            }
            if (c.instance() == null && c.to().equals("ROLLING") && c.from().equals("BRAKED")) {
                braked = false;
            }
        }
        assertThat(r.running().size()).as("running").isLessThanOrEqualTo(policy.parallelism());
        if (startedAny) {
            assertThat(r.inTraffic()).as("in traffic after a start").isGreaterThanOrEqualTo(minimum);
        }
        return startedWhileBraked;
    }
}
