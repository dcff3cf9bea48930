package io.skydeck.release.switchover;

import io.skydeck.release.rollout.ActionRefused;
import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.InvalidRollout;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Step;
import io.skydeck.release.rollout.StepCall;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SwitchoverTest {

    static final List<String> BLUE = List.of("b0", "b1", "b2");
    static final List<String> GREEN = List.of("g0", "g1", "g2");

    /** A load balancer as the steps leave it: what the driver would have done on a provider. */
    static final class Traffic {
        final Set<String> members = new HashSet<>(BLUE);
        boolean routed;
        final List<StepCall> order = new ArrayList<>();

        /** Runs the calls to their end, first in first out; {@code failing} steps of an instance fail. */
        void drain(Switchover s, List<StepCall> first, Set<String> failIgnition) {
            Deque<StepCall> queue = new ArrayDeque<>(first);
            while (!queue.isEmpty()) {
                StepCall c = queue.poll();
                order.add(c);
                boolean fails = c.step() == Step.IGNITION_CHECK && failIgnition.contains(c.instance());
                if (!fails) {
                    apply(c);
                }
                queue.addAll(s.record(c, !fails, fails ? "health check answered 503" : null));
            }
        }

        void apply(StepCall c) {
            switch (c.step()) {
                case PULL_IN -> members.add(c.instance());
                case PULL_OUT -> members.remove(c.instance());
                case ROUTE -> routed = true;
                case UNROUTE -> routed = false;
                default -> {
                }
            }
        }
    }

    @Test
    void blueGreenInstallsGreenOutOfTrafficThenSwitchesAtOnceAndKeepsBlueUntilApproved() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 3, 0.2));
        Traffic traffic = new Traffic();
        List<StepCall> first = s.advance();
        assertThat(first).extracting(StepCall::instance).containsExactly("g0", "g1", "g2");
        assertThat(first).extracting(StepCall::step).containsOnly(Step.PULL_OUT);
        traffic.drain(s, first, Set.of());

        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(GREEN);
        assertThat(s.instancesIn(Role.LIVE, InstanceState.STANDBY)).containsExactlyElementsOf(BLUE);
        assertThat(s.instancesIn(Role.STANDBY, InstanceState.DONE)).containsExactlyElementsOf(GREEN);
        // Every green was pulled in before the first blue left: users always had an instance.
        int lastGreenIn = lastIndex(traffic.order, Step.PULL_IN, GREEN);
        int firstBlueOut = firstIndex(traffic.order, Step.PULL_OUT, BLUE);
        assertThat(lastGreenIn).isLessThan(firstBlueOut);
        // No blue was ever installed on.
        assertThat(traffic.order).noneMatch(c -> BLUE.contains(c.instance()) && c.step() == Step.INSTALL);

        assertThatThrownBy(s::promote).isInstanceOf(ActionRefused.class);
        s.approve();
        assertThat(s.state()).isEqualTo(ReleaseState.SUCCEEDED);
        assertThatThrownBy(s::rollback).isInstanceOf(ActionRefused.class).hasMessageContaining("let go of");
    }

    @Test
    void aRollbackAfterTheSwitchPutsBlueBackInBeforeGreenLeaves() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 2, 0.2));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.of());
        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
        int before = traffic.order.size();

        traffic.drain(s, s.rollback(), Set.of());

        assertThat(s.state()).isEqualTo(ReleaseState.ROLLED_BACK);
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(BLUE);
        List<StepCall> rollback = traffic.order.subList(before, traffic.order.size());
        assertThat(lastIndex(rollback, Step.PULL_IN, BLUE)).isLessThan(firstIndex(rollback, Step.PULL_OUT, GREEN));
        assertThat(s.instancesIn(Role.LIVE, InstanceState.REVERTED)).containsExactlyElementsOf(BLUE);
        assertThat(s.instancesIn(Role.STANDBY, InstanceState.STANDBY)).containsExactlyElementsOf(GREEN);
    }

    @Test
    void darkDeploysWithNoTrafficAndWaitsForAPersonToPromote() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.DARK, 3, 0.2));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.of());

        assertThat(s.state()).isEqualTo(ReleaseState.DEPLOYED_DARK);
        assertThat(s.running()).isEmpty();
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(BLUE);
        assertThat(s.instancesIn(Role.STANDBY, InstanceState.VERIFIED)).containsExactlyElementsOf(GREEN);
        assertThatThrownBy(s::approve).isInstanceOf(ActionRefused.class).hasMessageContaining("promote it first");

        traffic.drain(s, s.promote(), Set.of());
        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(GREEN);
    }

    @Test
    void abTestRoutesTheHeaderBeforeTheVariantTakesTrafficAndClearsItOnPromotion() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.HEADER, 3, 0.2));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.of());

        assertThat(s.state()).isEqualTo(ReleaseState.TESTING);
        assertThat(traffic.routed).isTrue();
        assertThat(s.route()).isEqualTo(RouteState.SET);
        assertThat(traffic.members).containsExactlyInAnyOrder("b0", "b1", "b2", "g0", "g1", "g2");
        int route = firstIndex(traffic.order, Step.ROUTE, GREEN);
        assertThat(traffic.order.get(route).instance()).isEqualTo("g0");
        assertThat(route).isLessThan(firstIndex(traffic.order, Step.PULL_IN, GREEN));

        int before = traffic.order.size();
        traffic.drain(s, s.promote(), Set.of());
        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
        assertThat(traffic.routed).isFalse();
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(GREEN);
        List<StepCall> promotion = traffic.order.subList(before, traffic.order.size());
        assertThat(firstIndex(promotion, Step.UNROUTE, GREEN)).isLessThan(firstIndex(promotion, Step.PULL_OUT, BLUE));
    }

    @Test
    void abRollbackTakesTheVariantOutBeforeClearingTheRoute() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.HEADER, 3, 0.2));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.of());
        int before = traffic.order.size();

        traffic.drain(s, s.rollback(), Set.of());

        assertThat(s.state()).isEqualTo(ReleaseState.ROLLED_BACK);
        assertThat(traffic.routed).isFalse();
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(BLUE);
        List<StepCall> rollback = traffic.order.subList(before, traffic.order.size());
        assertThat(lastIndex(rollback, Step.PULL_OUT, GREEN)).isLessThan(firstIndex(rollback, Step.UNROUTE, GREEN));
        // Blue never left traffic, so the rollback does nothing to it.
        assertThat(rollback).noneMatch(c -> BLUE.contains(c.instance()));
    }

    @Test
    void greenFailuresPastTheBrakeRatioBrakeBeforeAnySwitch() {
        // 2 of 3 green fail: 66.7 % > 50 %. The brake comes at the second failure.
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 3, 0.5));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.of("g0", "g1"));

        assertThat(s.state()).isEqualTo(ReleaseState.BRAKED);
        assertThat(s.reason()).contains("2 of 3 standby instances failed");
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(BLUE);
        assertThat(traffic.order).noneMatch(c -> c.step() == Step.PULL_IN);

        // A person accepts one working green instance: the switch goes on with it.
        traffic.drain(s, s.continueAfterBrake(), Set.of());
        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
        assertThat(traffic.members).containsExactly("g2");
    }

    @Test
    void oneGreenFailureBelowTheBrakeDoesNotStopTheSwitch() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 3, 0.5));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.of("g1"));
        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
        assertThat(traffic.members).containsExactlyInAnyOrder("g0", "g2");
        assertThat(s.stateOf("g1")).isEqualTo(InstanceState.FAILED);
    }

    @Test
    void whenEveryGreenFailsEvenARatioOfOneBrakesAndBlueKeepsTheTraffic() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 3, 1.0));
        Traffic traffic = new Traffic();
        traffic.drain(s, s.advance(), Set.copyOf(GREEN));
        assertThat(s.state()).isEqualTo(ReleaseState.BRAKED);
        assertThat(s.reason()).contains("no instance of the standby group passed");
        assertThat(traffic.members).containsExactlyInAnyOrderElementsOf(BLUE);
    }

    @Test
    void aFailedPullOutOfBlueBrakesWithTrafficHalfSwitched() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 1, 0.2));
        List<StepCall> calls = new ArrayList<>(s.advance());
        while (!calls.isEmpty()) {
            StepCall c = calls.remove(0);
            boolean fails = c.instance().equals("b1") && c.step() == Step.PULL_OUT;
            calls.addAll(s.record(c, !fails, fails ? "deregistration refused" : null));
        }
        assertThat(s.state()).isEqualTo(ReleaseState.BRAKED);
        assertThat(s.reason()).contains("b1 of the live group could not be pulled out");
        assertThat(s.stateOf("b2")).isEqualTo(InstanceState.WAITING);
    }

    @Test
    void aFailedRouteBrakesAndARollbackClearsTheRouteThatMayHaveBeenSet() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.HEADER, 3, 0.2));
        List<StepCall> calls = new ArrayList<>(s.advance());
        List<StepCall> unroutes = new ArrayList<>();
        while (!calls.isEmpty()) {
            StepCall c = calls.remove(0);
            if (c.step() == Step.UNROUTE) {
                unroutes.add(c);
            }
            boolean fails = c.step() == Step.ROUTE;
            calls.addAll(s.record(c, !fails, fails ? "listener rule limit reached" : null));
            if (s.state() == ReleaseState.BRAKED && calls.isEmpty() && unroutes.isEmpty()) {
                assertThat(s.reason()).contains("header route could not be set");
                assertThat(s.route()).isEqualTo(RouteState.SETTING);
                calls.addAll(s.rollback());
            }
        }
        assertThat(s.state()).isEqualTo(ReleaseState.ROLLED_BACK);
        assertThat(unroutes).hasSize(1);
        assertThat(s.route()).isEqualTo(RouteState.NONE);
    }

    @Test
    void aRestoredSwitchoverRunsTheSameStepsAgainAndIgnoresLateResults() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 3, 0.2));
        List<StepCall> first = s.advance();
        s.record(first.get(0), true, null); // g0 out: FETCH given out
        SwitchoverSnapshot stored = s.snapshot();

        Switchover again = Switchover.restore(stored);
        assertThat(again.running()).isEqualTo(s.running());
        assertThat(again.snapshot()).isEqualTo(stored);
        // A result from before the crash for a step g0 has moved on from changes nothing.
        assertThat(again.record(first.get(0), true, null)).isEmpty();
        assertThat(again.stateOf("g0")).isEqualTo(InstanceState.UPDATING);
        new Traffic().drain(again, again.running(), Set.of());
        assertThat(again.state()).isEqualTo(ReleaseState.SWITCHED);
    }

    @Test
    void pausedNothingNewStartsAndResumeGoesOn() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 1, 0.2));
        List<StepCall> first = s.advance();
        assertThat(first).hasSize(1);
        s.pause();
        Traffic traffic = new Traffic();
        traffic.drain(s, first, Set.of());
        // g0 finished its own steps; g1 and g2 did not start.
        assertThat(s.stateOf("g0")).isEqualTo(InstanceState.VERIFIED);
        assertThat(s.stateOf("g1")).isEqualTo(InstanceState.WAITING);
        assertThat(s.state()).isEqualTo(ReleaseState.PAUSED);
        traffic.drain(s, s.resume(), Set.of());
        assertThat(s.state()).isEqualTo(ReleaseState.SWITCHED);
    }

    @Test
    void actionsThatDoNotApplyAreRefusedWithTheReason() {
        Switchover s = Switchover.plan(BLUE, GREEN, new SwitchoverPolicy(Exposure.SWITCH, 3, 0.2));
        s.advance();
        assertThatThrownBy(s::approve).isInstanceOf(ActionRefused.class).hasMessageContaining("only a switched release");
        assertThatThrownBy(s::promote).isInstanceOf(ActionRefused.class).hasMessageContaining("DEPLOYING");
        assertThatThrownBy(s::continueAfterBrake).isInstanceOf(ActionRefused.class).hasMessageContaining("only a braked");
        s.abort();
        assertThatThrownBy(s::rollback).isInstanceOf(ActionRefused.class);
        assertThatThrownBy(s::abort).isInstanceOf(ActionRefused.class);
    }

    @Test
    void groupsMustBeDisjointAndNotEmpty() {
        SwitchoverPolicy policy = new SwitchoverPolicy(Exposure.SWITCH, 1, 0.2);
        assertThatThrownBy(() -> Switchover.plan(List.of("a"), List.of("a"), policy)).isInstanceOf(InvalidRollout.class)
                .extracting(e -> ((InvalidRollout) e).field()).isEqualTo("standbyGroupId");
        assertThatThrownBy(() -> Switchover.plan(List.of("a"), List.of(), policy)).isInstanceOf(InvalidRollout.class)
                .extracting(e -> ((InvalidRollout) e).field()).isEqualTo("standbyGroupId");
        assertThatThrownBy(() -> Switchover.plan(List.of(), List.of("a"), policy)).isInstanceOf(InvalidRollout.class)
                .extracting(e -> ((InvalidRollout) e).field()).isEqualTo("groupId");
        assertThatThrownBy(() -> new SwitchoverPolicy(Exposure.DARK, 0, 0.2)).isInstanceOf(InvalidRollout.class);
    }

    private static int firstIndex(List<StepCall> calls, Step step, List<String> of) {
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).step() == step && of.contains(calls.get(i).instance())) {
                return i;
            }
        }
        throw new AssertionError("no " + step + " of " + of + " in " + calls);
    }

    private static int lastIndex(List<StepCall> calls, Step step, List<String> of) {
        for (int i = calls.size() - 1; i >= 0; i--) {
            if (calls.get(i).step() == step && of.contains(calls.get(i).instance())) {
                return i;
            }
        }
        throw new AssertionError("no " + step + " of " + of + " in " + calls);
    }
}
