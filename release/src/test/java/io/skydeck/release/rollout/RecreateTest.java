package io.skydeck.release.rollout;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** RECREATE is the Tars flow with {@link RolloutPolicy#recreate}: one batch, no bastion, no online minimum. */
class RecreateTest {

    @Test
    void everyInstanceLeavesTrafficAtOnceWhenParallelismIsTheGroup() {
        Rollout r = Rollout.plan(RolloutTest.group(5), RolloutPolicy.recreate(5, 5, 0.2));
        assertThat(r.state()).isEqualTo(ReleaseState.ROLLING);
        List<StepCall> first = r.advance();
        assertThat(first).extracting(StepCall::instance).containsExactly("i0", "i1", "i2", "i3", "i4");
        assertThat(first).extracting(StepCall::step).containsOnly(Step.PULL_OUT);
        assertThat(r.inTraffic()).isZero();
        RolloutTest.drain(r, first, Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.SUCCEEDED);
        assertThat(r.instancesIn(InstanceState.DONE)).hasSize(5);
    }

    @Test
    void parallelismBelowTheGroupStartsTheRestAsInstancesFinish() {
        Rollout r = Rollout.plan(RolloutTest.group(5), RolloutPolicy.recreate(5, 2, 0.5));
        List<StepCall> first = r.advance();
        assertThat(first).extracting(StepCall::instance).containsExactly("i0", "i1");
        RolloutTest.drain(r, first, Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.SUCCEEDED);
    }

    @Test
    void theBrakeStillHolds() {
        // 2 of 5 fail: 40 % > 20 %; with parallelism 1, i2 brakes the release and i3, i4 never start.
        Rollout r = Rollout.plan(RolloutTest.group(5), RolloutPolicy.recreate(5, 1, 0.2));
        RolloutTest.drain(r, r.advance(), Set.of("i1", "i2"));
        assertThat(r.state()).isEqualTo(ReleaseState.BRAKED);
        assertThat(r.failed()).isEqualTo(2);
        assertThat(r.instancesIn(InstanceState.WAITING)).containsExactly("i3", "i4");
    }
}
