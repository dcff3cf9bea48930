package io.skydeck.release.switchover;

import io.skydeck.release.rollout.ActionRefused;
import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Step;
import io.skydeck.release.rollout.StepCall;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A driver that finishes steps in random order, lets random steps fail (a failed step has no
 * effect on the simulated load balancer), crashes now and then (restore from the last snapshot,
 * run the running steps again, results from before the crash arrive late and did take effect),
 * and plays the person: promotes, continues after a brake, approves, rolls back, pauses. Whatever
 * the groups, exposure and faults:
 * <ul>
 *   <li>the load balancer is never empty: users always have an instance;</li>
 *   <li>before a person promotes (or, for blue-green, before the switch), no request without the
 *       header reaches the standby group: it is in traffic only while the header route is set;</li>
 *   <li>never more than {@code parallelism} steps run, and no instance is installed twice;</li>
 *   <li>a rolled-back release leaves the live group in traffic, the standby group out and no route;
 *       a succeeded one the standby group in, the live group out and no route.</li>
 * </ul>
 */
class SwitchoverPropertiesTest {

    @Property(tries = 500)
    void usersAlwaysHaveAnInstanceAndTheVariantOnlySeesTheHeaderUntilPromoted(
            @ForAll @IntRange(min = 1, max = 6) int liveSize,
            @ForAll @IntRange(min = 1, max = 6) int standbySize,
            @ForAll @IntRange(min = 1, max = 4) int parallelism,
            @ForAll @DoubleRange(min = 0.1, max = 1.0) double brakeRatio,
            @ForAll @IntRange(min = 0, max = 30) int failPercent,
            @ForAll @IntRange(min = 0, max = 2) int exposureIndex,
            @ForAll long seed) {
        Exposure exposure = Exposure.values()[exposureIndex];
        Random random = new Random(seed);
        List<String> live = IntStream.range(0, liveSize).mapToObj(i -> "b" + i).toList();
        List<String> standby = IntStream.range(0, standbySize).mapToObj(i -> "g" + i).toList();
        Switchover s = Switchover.plan(live, standby, new SwitchoverPolicy(exposure, parallelism, brakeRatio));

        Set<String> members = new HashSet<>(live);
        boolean[] routed = {false};
        boolean promoted = exposure == Exposure.SWITCH;
        Map<String, Set<Long>> installs = new HashMap<>();
        List<StepCall> pending = new ArrayList<>(s.advance());
        List<StepCall> late = new ArrayList<>();
        SwitchoverSnapshot stored = s.snapshot();
        int actions = 0;
        int rollbackBrakes = 0;
        for (int round = 0; round < 5_000 && !s.state().finished(); round++) {
            assertThat(s.running().size()).isLessThanOrEqualTo(parallelism);
            if (pending.isEmpty() && late.isEmpty()) {
                // Nothing runs: the person acts.
                actions++;
                ReleaseState st = s.state();
                try {
                    if (st == ReleaseState.DEPLOYED_DARK || st == ReleaseState.TESTING) {
                        if (random.nextBoolean()) {
                            promoted = true;
                            pending.addAll(s.promote());
                        } else {
                            pending.addAll(s.rollback());
                        }
                    } else if (st == ReleaseState.SWITCHED) {
                        pending.addAll(random.nextBoolean() ? s.approve() : s.rollback());
                    } else if (st == ReleaseState.BRAKED) {
                        boolean rollingBack = s.snapshot().brakedFrom() == ReleaseState.ROLLING_BACK;
                        rollbackBrakes += rollingBack ? 1 : 0;
                        if (rollbackBrakes > 2) {
                            s.abort();
                        } else if (actions < 6 && random.nextBoolean()) {
                            pending.addAll(s.continueAfterBrake());
                        } else {
                            pending.addAll(s.rollback());
                        }
                    } else if (st == ReleaseState.PAUSED) {
                        pending.addAll(s.resume());
                    } else {
                        throw new AssertionError("nothing runs and nobody is asked in " + st);
                    }
                } catch (ActionRefused e) {
                    throw new AssertionError("refused in " + st + ": " + e.getMessage());
                }
                stored = s.snapshot();
                continue;
            }
            if (random.nextInt(100) < 3) {
                // Crash: nothing unrecorded is kept. A step that ran took effect then, and its result may still arrive late.
                for (StepCall c : pending) {
                    if (random.nextBoolean()) {
                        apply(c, members, routed, installs);
                        late.add(c);
                    }
                }
                s = Switchover.restore(stored);
                pending = new ArrayList<>(s.running());
                continue;
            }
            if (random.nextInt(100) < 2 && (s.state() == ReleaseState.DEPLOYING || s.state() == ReleaseState.SWITCHING)) {
                s.pause();
                stored = s.snapshot();
                continue;
            }
            boolean fromLate = !late.isEmpty() && (pending.isEmpty() || random.nextInt(4) == 0);
            List<StepCall> from = fromLate ? late : pending;
            StepCall call = from.remove(random.nextInt(from.size()));
            boolean ok = fromLate || random.nextInt(100) >= failPercent; // a late result is of a step that took effect
            if (ok && !fromLate) {
                apply(call, members, routed, installs);
            }
            pending.addAll(s.record(call, ok, ok ? null : "injected"));
            if (fromLate) {
                // The restored driver ran this very call again; once its late result is recorded the call no longer runs,
                // and a driver (which starts only what running() lists, one call per instance) never starts it again.
                List<StepCall> running = s.running();
                pending.removeIf(p -> p.equals(call) && !running.contains(call));
            }
            stored = s.snapshot();

            assertThat(members).as("users always have an instance").isNotEmpty();
            if (!promoted) {
                boolean variantInTraffic = standby.stream().anyMatch(members::contains);
                assertThat(!variantInTraffic || (exposure == Exposure.HEADER && routed[0]))
                        .as("the standby group takes traffic without the header before it is promoted").isTrue();
            }
        }
        assertThat(s.state().finished()).as("the release ends; it is " + s.state()).isTrue();
        Statistics.collect(exposure, s.state());
        installs.values().forEach(ids -> assertThat(ids).as("installs of one instance").hasSize(1));
        if (s.state() == ReleaseState.ROLLED_BACK) {
            assertThat(routed[0]).isFalse();
            assertThat(members).as("the standby group after the rollback").doesNotContainAnyElementsOf(standby);
            for (String id : live) {
                if (s.stateOf(id) != InstanceState.REVERT_FAILED) {
                    assertThat(members).as("live " + id + " after the rollback").contains(id);
                }
            }
        }
        if (s.state() == ReleaseState.SUCCEEDED) {
            assertThat(routed[0]).isFalse();
            for (String id : live) {
                if (s.stateOf(id) != InstanceState.FAILED) {
                    assertThat(members).doesNotContain(id);
                }
            }
            assertThat(members).containsAll(s.instancesIn(Role.STANDBY, InstanceState.DONE));
        }
    }

    /**
     * Found by CI (seed 6377038583745060186): a crash left g1's pull-out both as a late result and
     * restored as running; the late result moved g1 on to its pull-in, and the stale copy still
     * waiting in the driver then pulled g1 out of the load balancer after the switch.
     */
    @Example
    void aLateResultEndsTheRestoredCopyOfTheSameCall() {
        usersAlwaysHaveAnInstanceAndTheVariantOnlySeesTheHeaderUntilPromoted(2, 2, 2, 0.1, 0, 0, -291L);
    }

    private static void apply(StepCall call, Set<String> members, boolean[] routed, Map<String, Set<Long>> installs) {
        switch (call.step()) {
            case PULL_IN -> members.add(call.instance());
            case PULL_OUT -> members.remove(call.instance());
            case ROUTE -> routed[0] = true;
            case UNROUTE -> routed[0] = false;
            case INSTALL -> installs.computeIfAbsent(call.instance(), k -> new HashSet<>()).add(call.id());
            default -> {
            }
        }
    }
}
