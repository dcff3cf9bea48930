package io.skydeck.release.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RolloutTest {

    static List<String> group(int n) {
        return IntStream.range(0, n).mapToObj(i -> "i" + i).toList();
    }

    /** About {@code percent} % of the instances, drawn from {@code random}: the ones a bad version fails on. */
    static Set<String> someOf(List<String> ids, int percent, java.util.Random random) {
        Set<String> some = new java.util.HashSet<>();
        for (String id : ids) {
            if (random.nextInt(100) < percent) {
                some.add(id);
            }
        }
        return some;
    }

    /** Runs every given call to its end, first in first out; instances in {@code bad} fail their ignition check. */
    static void drain(Rollout r, List<StepCall> first, Set<String> bad) {
        Deque<StepCall> queue = new ArrayDeque<>(first);
        while (!queue.isEmpty()) {
            StepCall c = queue.poll();
            boolean fails = c.step() == Step.IGNITION_CHECK && bad.contains(c.instance()) && r.stateOf(c.instance()) == InstanceState.UPDATING;
            queue.addAll(r.record(c, !fails, fails ? "health check answered 503" : null));
        }
    }

    @Test
    void smokeBakeAndRollWithTheBastionFirst() {
        Rollout r = Rollout.plan(group(7), new RolloutPolicy(3, 3, 0.2, 0.5, true));
        List<StepCall> smoke = r.advance();
        assertThat(smoke).containsExactly(new StepCall("i0", Step.PULL_OUT, 1));
        drain(r, smoke, Set.of());
        // The bastion passed and waits out of traffic for a person.
        assertThat(r.state()).isEqualTo(ReleaseState.BAKING);
        assertThat(r.stateOf("i0")).isEqualTo(InstanceState.VERIFIED);
        assertThatThrownBy(r::approve).isInstanceOf(ActionRefused.class).hasMessageContaining("pull the bastion into traffic");
        drain(r, r.pullInBastion(), Set.of());
        assertThat(r.stateOf("i0")).isEqualTo(InstanceState.DONE);
        List<StepCall> firstBatch = r.approve();
        // Batch 1 is i1..i3, but the online minimum (4 of 7) lets only 3 leave traffic at once.
        assertThat(firstBatch).extracting(StepCall::instance).containsExactly("i1", "i2", "i3");
        drain(r, firstBatch, Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.SUCCEEDED);
        assertThat(r.instancesIn(InstanceState.DONE)).hasSize(7);
    }

    @Test
    void theOnlineMinimumHoldsBackStartsInsideABatch() {
        Rollout r = Rollout.plan(group(10), new RolloutPolicy(10, 10, 0.5, 0.7, false));
        // 7 of 10 must stay in traffic: only 3 may be out at once, whatever the parallelism.
        assertThat(r.advance()).hasSize(3);
        assertThat(r.inTraffic()).isEqualTo(7);
    }

    @Test
    void aVersionFailingOn30PercentBrakesInsideTheBatchThatCrossesTheRatioAndNothingLaterStarts() {
        // 100 instances, batches of 10, all of a batch in parallel; every third instance fails: 33 failures in all.
        List<String> ids = group(100);
        Set<String> bad = Set.copyOf(ids.stream().filter(id -> Integer.parseInt(id.substring(1)) % 3 == 0).toList());
        Rollout r = Rollout.plan(ids, new RolloutPolicy(10, 10, 0.2, 0.0, false));
        drain(r, r.advance(), bad);
        assertThat(r.state()).isEqualTo(ReleaseState.BRAKED);
        // The 21st failure crosses 20 % of 100: i60, the 21st instance with index % 3 == 0, in batch 6.
        assertThat(r.reason()).isEqualTo("21 of 100 instances failed, past the brake at 20.0 %");
        // The rest of batch 6 was running and finished its steps: i63, i66 and i69 failed too.
        assertThat(r.failed()).isEqualTo(24);
        // Instances of batch 6 already running finished their steps; nothing of batches 7..9 started.
        for (String id : ids) {
            if (r.batchOf(id) > 6) {
                assertThat(r.stateOf(id)).as(id).isEqualTo(InstanceState.WAITING);
            }
        }
        assertThat(r.running()).isEmpty();
        assertThat(r.advance()).as("braked: nothing starts").isEmpty();

        // A person continues: the roll goes on and brakes again at the next failure (i72, in batch 7).
        drain(r, r.continueAfterBrake(), bad);
        assertThat(r.state()).isEqualTo(ReleaseState.BRAKED);
        assertThat(r.reason()).isEqualTo("25 of 100 instances failed, past the brake at 20.0 %");
        assertThat(r.failed()).isEqualTo(27);
        assertThat(r.instancesIn(InstanceState.WAITING)).allSatisfy(id -> assertThat(r.batchOf(id)).isGreaterThan(7));
        // Then rolls back: every instance the release changed gets the previous version and goes back into traffic.
        Set<String> changed = r.changed();
        drain(r, r.rollback(), Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.ROLLED_BACK);
        assertThat(r.instancesIn(InstanceState.REVERTED)).containsExactlyInAnyOrderElementsOf(changed);
        assertThat(r.inTraffic()).isEqualTo(100);
    }

    @Test
    void aBastionThatFailsItsSmokeStopsTheReleaseUntilAPersonRollsBack() {
        Rollout r = Rollout.plan(group(5), new RolloutPolicy(2, 2, 0.5, 0.0, true));
        drain(r, r.advance(), Set.of("i0"));
        assertThat(r.state()).isEqualTo(ReleaseState.SMOKE_FAILED);
        assertThat(r.reason()).isEqualTo("the bastion failed its smoke: IGNITION_CHECK: health check answered 503");
        assertThat(r.advance()).isEmpty();
        assertThatThrownBy(r::continueAfterBrake).isInstanceOf(ActionRefused.class);
        List<StepCall> back = r.rollback();
        // Out of traffic already and changed: restore, check, pull in.
        assertThat(back).containsExactly(new StepCall("i0", Step.RESTORE, back.get(0).id()));
        drain(r, back, Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.ROLLED_BACK);
        assertThat(r.instancesIn(InstanceState.WAITING)).containsExactly("i1", "i2", "i3", "i4");
    }

    @Test
    void aPauseLetsRunningInstancesFinishAndStartsNothing() {
        Rollout r = Rollout.plan(group(6), new RolloutPolicy(3, 3, 0.5, 0.0, false));
        List<StepCall> started = r.advance();
        r.pause();
        drain(r, started, Set.of());
        assertThat(r.instancesIn(InstanceState.DONE)).containsExactly("i0", "i1", "i2");
        assertThat(r.instancesIn(InstanceState.WAITING)).containsExactly("i3", "i4", "i5");
        assertThat(r.state()).isEqualTo(ReleaseState.PAUSED);
        drain(r, r.resume(), Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.SUCCEEDED);
    }

    @Test
    void aLateResultFromBeforeARestoreIsNotTakenForALaterStep() {
        Rollout r = Rollout.plan(group(2), new RolloutPolicy(1, 1, 0.5, 0.0, false));
        StepCall pullOut = r.advance().get(0);
        // The driver dies; another restores the rollout and runs the pull-out again, with the same call id.
        Rollout restored = Rollout.restore(r.snapshot());
        assertThat(restored.running()).containsExactly(pullOut);
        List<StepCall> next = restored.record(pullOut, true, null);
        assertThat(next).extracting(StepCall::step).containsExactly(Step.FETCH);
        // The first run's result arrives late: a duplicate, ignored.
        assertThat(restored.record(pullOut, true, null)).isEmpty();
        assertThat(restored.running()).isEqualTo(next);
    }

    @Test
    void badPoliciesNameTheirField() {
        assertThatThrownBy(() -> new RolloutPolicy(0, 1, 0.2, 0, true)).isInstanceOf(InvalidRollout.class)
                .extracting(e -> ((InvalidRollout) e).field()).isEqualTo("batchSize");
        assertThatThrownBy(() -> new RolloutPolicy(1, 1, 0, 0, true)).hasMessage("brakeRatio: 0.0 is outside (0, 1]");
        assertThatThrownBy(() -> new RolloutPolicy(1, 1, 0.2, 1.0, true)).hasMessage("onlineMinimum: 1.0 is outside [0, 1)");
        assertThatThrownBy(() -> Rollout.plan(group(2), new RolloutPolicy(1, 1, 0.2, 0.9, true)))
                .hasMessage("onlineMinimum: keeping 2 of 2 instances in traffic leaves none to update");
        assertThatThrownBy(() -> Rollout.plan(List.of("a", "a"), new RolloutPolicy(1, 1, 0.2, 0, true)))
                .hasMessage("instances: instance a is named twice");
        assertThatThrownBy(() -> Rollout.plan(new ArrayList<>(), new RolloutPolicy(1, 1, 0.2, 0, true)))
                .hasMessage("group: the group has no instances");
    }
}
