package io.skydeck.release.rollout;

import static io.skydeck.release.rollout.RolloutTest.drain;
import static io.skydeck.release.rollout.RolloutTest.group;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Holding for a gate (analysis, canary step) after a batch, and what each of the gate's answers does. */
class RolloutGateTest {

    static final RolloutPolicy NO_BASTION = new RolloutPolicy(2, 2, 0.5, 0, false);

    @Test
    void batchesOfGivenSizesHoldAfterEachNamedBatchBeforeTheNextStarts() {
        // A canary by count: 1, then 2 more, then the remaining 3, holding after the first two.
        Rollout r = Rollout.plan(group(6), NO_BASTION, List.of(1, 2, 3), Set.of(0, 1));
        assertThat(r.batches()).containsExactly(0, 1, 1, 2, 2, 2);

        drain(r, r.advance(), Set.of());

        assertThat(r.state()).isEqualTo(ReleaseState.HOLDING);
        assertThat(r.heldAfter()).hasValue(0);
        assertThat(r.pendingWork()).isEqualTo(1);
        assertThat(r.instancesIn(InstanceState.WAITING)).containsExactly("i1", "i2", "i3", "i4", "i5");

        drain(r, r.gatePassed(0, "analysis of batch 0 successful"), Set.of());
        assertThat(r.heldAfter()).hasValue(1);
        assertThat(r.instancesIn(InstanceState.DONE)).containsExactly("i0", "i1", "i2");

        drain(r, r.gatePassed(1, "analysis of batch 1 successful"), Set.of());
        // No gate after the last batch: it succeeds as soon as it settled.
        assertThat(r.state()).isEqualTo(ReleaseState.SUCCEEDED);
        assertThat(r.pendingWork()).isZero();
    }

    @Test
    void aGateAfterTheLastBatchHoldsTheSuccess() {
        Rollout r = Rollout.plan(group(4), NO_BASTION, List.of(), Set.of(0, 1));
        drain(r, r.advance(), Set.of());
        drain(r, r.gatePassed(0, "ok"), Set.of());

        assertThat(r.state()).isEqualTo(ReleaseState.HOLDING);
        assertThat(r.heldAfter()).hasValue(1);

        drain(r, r.gatePassed(1, "ok"), Set.of());
        assertThat(r.state()).isEqualTo(ReleaseState.SUCCEEDED);
    }

    @Test
    void aFailedGateRollsBackEveryChangedInstanceWithoutAPerson() {
        Rollout r = Rollout.plan(group(6), NO_BASTION, List.of(), Set.of(0, 1, 2));
        drain(r, r.advance(), Set.of());
        drain(r, r.gatePassed(0, "ok"), Set.of());

        drain(r, r.gateFailed(1, "success rate 0.9 below 0.99"), Set.of());

        assertThat(r.state()).isEqualTo(ReleaseState.ROLLED_BACK);
        assertThat(r.instancesIn(InstanceState.REVERTED)).containsExactly("i0", "i1", "i2", "i3");
        assertThat(r.instancesIn(InstanceState.WAITING)).containsExactly("i4", "i5");
        assertThat(r.reason()).isEqualTo("success rate 0.9 below 0.99");
    }

    @Test
    void anUndecidedGatePausesAndResumingBringsTheHoldBackNeverTheNextBatch() {
        Rollout r = Rollout.plan(group(4), NO_BASTION, List.of(), Set.of(0, 1));
        drain(r, r.advance(), Set.of());

        r.gateUndecided(0, "10 requests, fewer than 100");

        assertThat(r.state()).isEqualTo(ReleaseState.PAUSED);
        assertThat(r.pausedHolding()).hasValue(0);
        assertThat(r.pendingWork()).isZero();
        assertThat(r.advance()).isEmpty();

        assertThat(r.resume()).isEmpty();
        assertThat(r.state()).isEqualTo(ReleaseState.HOLDING);
        assertThat(r.heldAfter()).hasValue(0);
        assertThat(r.instancesIn(InstanceState.WAITING)).containsExactly("i2", "i3");
    }

    @Test
    void theBastionBatchIsHeldAfterApprovalAndAStoredHoldRestores() {
        Rollout r = Rollout.plan(group(5), new RolloutPolicy(2, 2, 0.5, 0, true), List.of(), Set.of(0, 1, 2));
        drain(r, r.advance(), Set.of());
        drain(r, r.pullInBastion(), Set.of());
        assertThat(r.approve()).isEmpty();
        assertThat(r.heldAfter()).hasValue(0);

        Rollout restored = Rollout.restore(r.snapshot());

        assertThat(restored.heldAfter()).hasValue(0);
        assertThatThrownBy(() -> restored.gatePassed(1, "ok")).isInstanceOf(ActionRefused.class);
        drain(restored, restored.gatePassed(0, "ok"), Set.of());
        assertThat(restored.heldAfter()).hasValue(1);
        assertThat(restored.instancesIn(InstanceState.DONE)).containsExactly("i0", "i1", "i2");
    }

    @Test
    void givenBatchesMustCoverTheGroupAndHoldsMustNameABatch() {
        assertThatThrownBy(() -> Rollout.plan(group(4), NO_BASTION, List.of(1, 2), Set.of()))
                .isInstanceOfSatisfying(InvalidRollout.class, e -> assertThat(e.field()).isEqualTo("batches"));
        assertThatThrownBy(() -> Rollout.plan(group(4), NO_BASTION, List.of(), Set.of(2)))
                .isInstanceOfSatisfying(InvalidRollout.class, e -> assertThat(e.field()).isEqualTo("holdAfter"));
        assertThatThrownBy(() -> Rollout.plan(group(4), new RolloutPolicy(2, 2, 0.5, 0, true), List.of(1, 3), Set.of()))
                .isInstanceOfSatisfying(InvalidRollout.class, e -> assertThat(e.field()).isEqualTo("bastion"));
    }
}
