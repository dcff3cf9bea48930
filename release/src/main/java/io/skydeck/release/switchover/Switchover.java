package io.skydeck.release.switchover;

import io.skydeck.release.rollout.ActionRefused;
import io.skydeck.release.rollout.Change;
import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.InvalidRollout;
import io.skydeck.release.rollout.ReleaseFlow;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Step;
import io.skydeck.release.rollout.StepCall;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A release over two groups — blue-green, dark and A/B — as a state machine that decides and
 * never does, like {@link io.skydeck.release.rollout.Rollout}: it gives out {@link StepCall}s,
 * learns their results through {@link #record}, and is stored as a {@link SwitchoverSnapshot}
 * after every change, so a driver that dies is replaced by one that runs the {@link #running()}
 * steps again and nothing is skipped or redone.
 *
 * <p>The <b>live</b> group serves users with the previous version throughout. <b>Deploying</b>:
 * the <b>standby</b> group is pulled out (it should be out already; the step makes sure), fetches,
 * installs and passes its ignition check, {@code parallelism} instances at a time, and stays out
 * of traffic. Past the brake ratio of the standby group failed, nothing more starts and the
 * release is BRAKED. Then, by {@link Exposure}:
 * <ul>
 *   <li>SWITCH (blue-green) goes straight on to <b>switching</b>;</li>
 *   <li>DARK waits in DEPLOYED_DARK — deployed, no traffic — for a person to {@link #promote()}
 *       it (switching) or roll it back;</li>
 *   <li>HEADER (A/B) sets the header route to the standby group first and then pulls it in
 *       (ROUTING), so that no request without the header ever reaches it, and waits in TESTING
 *       for a person to promote or roll back.</li>
 * </ul>
 * <b>Switching</b> pulls every checked standby instance in, clears a header route, and only then
 * pulls the live group out: users are never left without an instance, and the switch is the
 * moment the live group leaves. The old live group keeps the previous version out of traffic
 * (STANDBY) until a person {@link #approve()}s the release; until then a rollback pulls it back in
 * first and the standby group out after (and clears the route last, after the variant left) —
 * again never leaving users without an instance. A rollback does not reinstall the standby
 * group: it is out of traffic, and the next release installs over it.
 *
 * <p>Steps that are not of one instance but of the traffic target (setting and clearing the header
 * route) are given out on the standby group's first instance, the <em>lead</em>; it never runs
 * one of them and a step of its own at the same time. A failed route step, a live instance that
 * cannot be pulled out, or a rollback that would leave no live instance in traffic brakes the
 * release: traffic is half moved, and a person decides.
 *
 * <p>Not thread-safe: one driver owns a switchover at a time.
 */
public final class Switchover implements ReleaseFlow {

    private static final class Slot {
        final String id;
        final Role role;
        InstanceState state;
        Step running;
        long call;
        String failure;

        Slot(String id, Role role, InstanceState state, Step running, long call, String failure) {
            this.id = id;
            this.role = role;
            this.state = state;
            this.running = running;
            this.call = call;
            this.failure = failure;
        }

        boolean live() {
            return role == Role.LIVE;
        }
    }

    private final SwitchoverPolicy policy;
    private final List<Slot> slots;
    private final Map<String, Slot> byId = new LinkedHashMap<>();
    private final Slot lead;
    private final int standbySize;
    private ReleaseState state;
    private ReleaseState pausedFrom;
    private ReleaseState brakedFrom;
    private int acknowledgedFailures;
    private String reason;
    private RouteState route;
    private long lastCall;
    private final List<Change> changes = new ArrayList<>();

    private Switchover(SwitchoverPolicy policy, List<Slot> slots, ReleaseState state, ReleaseState pausedFrom, ReleaseState brakedFrom,
                       int acknowledgedFailures, String reason, RouteState route, long lastCall) {
        this.policy = policy;
        this.slots = slots;
        this.state = state;
        this.pausedFrom = pausedFrom;
        this.brakedFrom = brakedFrom;
        this.acknowledgedFailures = acknowledgedFailures;
        this.reason = reason;
        this.route = route;
        this.lastCall = lastCall;
        for (Slot s : slots) {
            if (byId.put(s.id, s) != null) {
                throw new InvalidRollout("standbyGroupId", "instance " + s.id + " is in both groups (or named twice)");
            }
        }
        this.lead = slots.stream().filter(s -> !s.live()).findFirst()
                .orElseThrow(() -> new InvalidRollout("standbyGroupId", "the standby group has no instances"));
        this.standbySize = (int) slots.stream().filter(s -> !s.live()).count();
    }

    /** A new release: {@code live} serves users now, {@code standby} gets the version. Nothing runs until {@link #advance()}. */
    public static Switchover plan(List<String> live, List<String> standby, SwitchoverPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        if (live.isEmpty()) {
            throw new InvalidRollout("groupId", "the live group has no instances");
        }
        if (standby.isEmpty()) {
            throw new InvalidRollout("standbyGroupId", "the standby group has no instances");
        }
        List<Slot> slots = new ArrayList<>();
        live.forEach(id -> slots.add(new Slot(Objects.requireNonNull(id, "instance"), Role.LIVE, InstanceState.WAITING, null, 0, null)));
        standby.forEach(id -> slots.add(new Slot(Objects.requireNonNull(id, "instance"), Role.STANDBY, InstanceState.WAITING, null, 0, null)));
        return new Switchover(policy, slots, ReleaseState.DEPLOYING, null, null, 0, null, RouteState.NONE, 0);
    }

    public static Switchover restore(SwitchoverSnapshot snapshot) {
        List<Slot> slots = new ArrayList<>();
        for (SwitchoverSnapshot.Instance i : snapshot.instances()) {
            slots.add(new Slot(i.id(), i.role(), i.state(), i.running(), i.call(), i.failure()));
        }
        return new Switchover(snapshot.policy(), slots, snapshot.state(), snapshot.pausedFrom(), snapshot.brakedFrom(),
                snapshot.acknowledgedFailures(), snapshot.reason(), snapshot.route(), snapshot.lastCall());
    }

    @Override
    public SwitchoverSnapshot snapshot() {
        List<SwitchoverSnapshot.Instance> instances = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            instances.add(new SwitchoverSnapshot.Instance(s.id, s.role, s.state, s.running, s.call, s.failure));
        }
        return new SwitchoverSnapshot(state, pausedFrom, brakedFrom, acknowledgedFailures, reason, policy, route, lastCall, instances);
    }

    @Override
    public ReleaseState state() {
        return state;
    }

    @Override
    public String reason() {
        return reason;
    }

    public RouteState route() {
        return route;
    }

    public SwitchoverPolicy policy() {
        return policy;
    }

    @Override
    public int parallelism() {
        return policy.parallelism();
    }

    @Override
    public List<StepCall> running() {
        List<StepCall> calls = new ArrayList<>();
        for (Slot s : slots) {
            if (s.running != null) {
                calls.add(new StepCall(s.id, s.running, s.call));
            }
        }
        return calls;
    }

    @Override
    public List<Change> drainChanges() {
        List<Change> drained = List.copyOf(changes);
        changes.clear();
        return drained;
    }

    @Override
    public List<FlowInstance> instances() {
        List<FlowInstance> rows = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            rows.add(new FlowInstance(s.id, s.live() ? 0 : 1, s.state, s.running, s.failure));
        }
        return rows;
    }

    public InstanceState stateOf(String instance) {
        return slot(instance).state;
    }

    public Role roleOf(String instance) {
        return slot(instance).role;
    }

    /** The ids of the group's instances in {@code wanted}, in order. */
    public List<String> instancesIn(Role role, InstanceState wanted) {
        return slots.stream().filter(s -> s.role == role && s.state == wanted).map(s -> s.id).toList();
    }

    /** The instance that carries the route steps: the standby group's first. */
    public String lead() {
        return lead.id;
    }

    /** Standby instances that failed. */
    public int failed() {
        return (int) slots.stream().filter(s -> !s.live() && s.state == InstanceState.FAILED).count();
    }

    /** Starts whatever may start now and returns the first step of each. */
    public List<StepCall> advance() {
        List<StepCall> calls = new ArrayList<>();
        switch (state) {
            case DEPLOYING -> deploy(calls);
            case ROUTING -> routeToStandby(calls);
            case SWITCHING -> switchTraffic(calls);
            case ROLLING_BACK -> revert(calls);
            default -> {
                // nothing starts while dark, testing, switched, paused, braked or finished
            }
        }
        return calls;
    }

    @Override
    public List<StepCall> record(StepCall call, boolean succeeded, String failure) {
        Slot s = slot(call.instance());
        if (s.running != call.step() || s.call != call.id()) {
            return List.of();
        }
        Step step = call.step();
        s.running = null;
        s.call = 0;
        List<StepCall> calls = new ArrayList<>();
        if (step == Step.ROUTE || step == Step.UNROUTE) {
            routed(step, succeeded, failure);
        } else if (s.state == InstanceState.UPDATING) {
            if (succeeded) {
                updated(s, step, calls);
            } else {
                failedUpdate(s, step, failure);
            }
        } else if (s.state == InstanceState.REVERTING) {
            if (succeeded) {
                move(s, s.live() ? InstanceState.REVERTED : InstanceState.STANDBY, s.live() ? "back in traffic" : "out of traffic");
            } else {
                s.failure = step + ": " + failure;
                move(s, InstanceState.REVERT_FAILED, s.failure);
            }
        }
        calls.addAll(advance());
        return calls;
    }

    /** DARK and A/B: a person puts the standby group into all traffic (switching), as a blue-green release does by itself. */
    public List<StepCall> promote() {
        if (state != ReleaseState.DEPLOYED_DARK && state != ReleaseState.TESTING) {
            throw new ActionRefused(state, "only a release deployed dark or under an A/B test can be promoted; this one is " + state);
        }
        to(ReleaseState.SWITCHING, "promoted by a person");
        return advance();
    }

    /** Ends the release: the standby group keeps the traffic, and the old live group is let go of (no rollback any more). */
    public List<StepCall> approve() {
        if (state == ReleaseState.DEPLOYED_DARK || state == ReleaseState.TESTING) {
            throw new ActionRefused(state, "a " + state + " release takes no traffic from its live group yet: promote it first");
        }
        if (state != ReleaseState.SWITCHED) {
            throw new ActionRefused(state, "only a switched release can be approved; this one is " + state);
        }
        to(ReleaseState.SUCCEEDED, "approved: the standby group serves the version");
        return List.of();
    }

    public void pause() {
        if (state != ReleaseState.DEPLOYING && state != ReleaseState.ROUTING && state != ReleaseState.SWITCHING
                && state != ReleaseState.ROLLING_BACK) {
            throw new ActionRefused(state, "a " + state + " release cannot be paused");
        }
        pausedFrom = state;
        to(ReleaseState.PAUSED, "paused by a person");
    }

    public List<StepCall> resume() {
        if (state != ReleaseState.PAUSED) {
            throw new ActionRefused(state, "only a paused release resumes; this one is " + state);
        }
        ReleaseState back = pausedFrom;
        pausedFrom = null;
        to(back, "resumed");
        return advance();
    }

    /** A person looked at what braked the release and lets it go on from where it braked. */
    public List<StepCall> continueAfterBrake() {
        if (state != ReleaseState.BRAKED) {
            throw new ActionRefused(state, "only a braked release can be continued; this one is " + state);
        }
        acknowledgedFailures = failed();
        ReleaseState back = brakedFrom;
        brakedFrom = null;
        to(back, "continued after the brake with " + acknowledgedFailures + " failed");
        if (back == ReleaseState.ROLLING_BACK) {
            retryFailedReverts();
        }
        return advance();
    }

    /** The live group back into traffic, then the standby group out of it (running steps finish first). */
    public List<StepCall> rollback() {
        if (state == ReleaseState.ROLLING_BACK || state == ReleaseState.ROLLED_BACK || state == ReleaseState.ABORTED
                || state == ReleaseState.SUCCEEDED) {
            throw new ActionRefused(state, "a " + state + " release cannot be rolled back"
                    + (state == ReleaseState.SUCCEEDED ? " (once approved, the old live group is let go of; release the previous version instead)" : ""));
        }
        pausedFrom = null;
        brakedFrom = null;
        to(ReleaseState.ROLLING_BACK, "rollback by a person");
        retryFailedReverts();
        return advance();
    }

    /** Stops where it stands: running steps report, nothing more is given out, traffic stays as it is. */
    public void abort() {
        if (state.finished()) {
            throw new ActionRefused(state, "a " + state + " release cannot be aborted");
        }
        pausedFrom = null;
        brakedFrom = null;
        to(ReleaseState.ABORTED, "aborted by a person");
    }

    /**
     * A person's rollback tries again what a rollback could not do: a live instance that was not
     * pulled back in is out of traffic again (its pull-in is retried), a standby one that was not
     * pulled out may be in traffic (its pull-out is retried).
     */
    private void retryFailedReverts() {
        for (Slot s : slots) {
            if (s.state == InstanceState.REVERT_FAILED && s.running == null) {
                move(s, s.live() ? InstanceState.STANDBY : InstanceState.FAILED, "retried by the rollback");
            }
        }
    }

    private void deploy(List<StepCall> calls) {
        int running = runningCount();
        for (Slot s : slots) {
            if (!s.live() && s.state == InstanceState.WAITING && running < policy.parallelism()) {
                calls.add(run(move(s, InstanceState.UPDATING, "deploying"), Step.PULL_OUT));
                running++;
            }
        }
        boolean deployed = slots.stream().filter(s -> !s.live())
                .allMatch(s -> s.running == null && (s.state == InstanceState.VERIFIED || s.state == InstanceState.FAILED));
        if (!deployed) {
            return;
        }
        long verified = slots.stream().filter(s -> !s.live() && s.state == InstanceState.VERIFIED).count();
        if (verified == 0) {
            brake("no instance of the standby group passed its checks; the live group keeps the traffic");
            return;
        }
        switch (policy.exposure()) {
            case DARK -> to(ReleaseState.DEPLOYED_DARK, verified + " of " + standbySize
                    + " standby instances run the version with no traffic; promote or roll back");
            case SWITCH -> {
                to(ReleaseState.SWITCHING, verified + " of " + standbySize + " standby instances passed; switching traffic to them");
                switchTraffic(calls);
            }
            case HEADER -> {
                to(ReleaseState.ROUTING, verified + " of " + standbySize + " standby instances passed; routing the header to them");
                routeToStandby(calls);
            }
        }
    }

    private void routeToStandby(List<StepCall> calls) {
        if (route != RouteState.SET) {
            if (lead.running == null) { // first time, or again after a failed attempt braked and a person continued
                route = RouteState.SETTING;
                calls.add(run(lead, Step.ROUTE));
            }
            return;
        }
        if (pullInStandby(calls)) {
            to(ReleaseState.TESTING, "requests with the header reach the standby group, all others the live group; promote or roll back");
        }
    }

    /** Pulls checked standby instances in; true once none is left to pull in or running. */
    private boolean pullInStandby(List<StepCall> calls) {
        int running = runningCount();
        boolean left = false;
        for (Slot s : slots) {
            if (s.live()) {
                continue;
            }
            if (s.state == InstanceState.VERIFIED && s.running == null && running < policy.parallelism()) {
                calls.add(run(move(s, InstanceState.UPDATING, "pulled into traffic"), Step.PULL_IN));
                running++;
            }
            left |= s.state == InstanceState.VERIFIED || s.state == InstanceState.UPDATING || s.running != null;
        }
        return !left;
    }

    private void switchTraffic(List<StepCall> calls) {
        if (!pullInStandby(calls)) {
            return;
        }
        if (clearRoute(calls)) {
            return;
        }
        if (slots.stream().noneMatch(s -> !s.live() && s.state == InstanceState.DONE)) {
            brake("no instance of the standby group is in traffic; the live group stays in");
            return;
        }
        int running = runningCount();
        boolean left = false;
        for (Slot s : slots) {
            if (!s.live()) {
                continue;
            }
            if (s.state == InstanceState.WAITING && s.running == null && running < policy.parallelism()) {
                calls.add(run(move(s, InstanceState.UPDATING, "traffic switched to the standby group"), Step.PULL_OUT));
                running++;
            }
            left |= !(s.state == InstanceState.STANDBY || s.state == InstanceState.FAILED) || s.running != null;
        }
        if (!left) {
            to(ReleaseState.SWITCHED, "the standby group serves all traffic; the live group keeps the previous version until approved");
        }
    }

    /** Gives out UNROUTE if a route is or may be set; true while one is still to be cleared. */
    private boolean clearRoute(List<StepCall> calls) {
        if (route == RouteState.NONE) {
            return false;
        }
        if (lead.running == null) {
            route = RouteState.CLEARING;
            calls.add(run(lead, Step.UNROUTE));
        }
        return true;
    }

    private void revert(List<StepCall> calls) {
        int running = runningCount();
        boolean liveLeft = false;
        for (Slot s : slots) {
            if (!s.live()) {
                continue;
            }
            boolean out = s.state == InstanceState.STANDBY || s.state == InstanceState.FAILED || s.state == InstanceState.UPDATING;
            if (out && s.running == null && running < policy.parallelism()) {
                calls.add(run(move(s, InstanceState.REVERTING, "rollback"), Step.PULL_IN));
                running++;
            }
            liveLeft |= out || s.state == InstanceState.REVERTING || s.running != null;
        }
        if (liveLeft) {
            return;
        }
        boolean standbyLeft = false;
        boolean liveServes = slots.stream().anyMatch(s -> s.live() && (s.state == InstanceState.WAITING || s.state == InstanceState.REVERTED));
        for (Slot s : slots) {
            if (s.live()) {
                continue;
            }
            boolean maybeIn = s.state == InstanceState.DONE || s.state == InstanceState.VERIFIED || s.state == InstanceState.UPDATING
                    || s.state == InstanceState.FAILED;
            if (maybeIn && !liveServes) {
                brake("no instance of the live group is back in traffic; the standby group stays in");
                return;
            }
            if (maybeIn && s.running == null && running < policy.parallelism()) {
                calls.add(run(move(s, InstanceState.REVERTING, "rollback"), Step.PULL_OUT));
                running++;
            }
            standbyLeft |= maybeIn || s.state == InstanceState.REVERTING || s.running != null;
        }
        if (standbyLeft) {
            return; // (an UNROUTE running on the lead counts here too: its result is awaited)
        }
        List<String> stuck = slots.stream().filter(s -> !s.live() && s.state == InstanceState.REVERT_FAILED).map(s -> s.id).toList();
        if (!stuck.isEmpty()) {
            // Still maybe in traffic with the version being rolled back; a header route stays so that only its requests reach them.
            brake("standby instances " + stuck + " could not be pulled out; roll back again to retry, or abort");
            return;
        }
        if (clearRoute(calls)) {
            return;
        }
        to(ReleaseState.ROLLED_BACK, "the live group serves the previous version; the standby group is out of traffic");
    }

    private void updated(Slot s, Step step, List<StepCall> calls) {
        if (state == ReleaseState.ROLLING_BACK || state == ReleaseState.ABORTED) {
            return; // the rollback picks it up from here; an abort leaves it where it stands
        }
        if (s.live()) {
            move(s, InstanceState.STANDBY, "out of traffic with the previous version, kept for a rollback");
            return;
        }
        switch (step) {
            case PULL_OUT -> calls.add(run(s, Step.FETCH));
            case FETCH -> calls.add(run(s, Step.INSTALL));
            case INSTALL -> calls.add(run(s, Step.IGNITION_CHECK));
            case IGNITION_CHECK -> move(s, InstanceState.VERIFIED, "installed and checked, out of traffic");
            case PULL_IN -> move(s, InstanceState.DONE, null);
            default -> throw new IllegalStateException(step + " is not a step of a switchover's update");
        }
    }

    private void failedUpdate(Slot s, Step step, String failure) {
        s.failure = step + ": " + failure;
        move(s, InstanceState.FAILED, s.failure);
        ReleaseState phase = state == ReleaseState.PAUSED ? pausedFrom : state;
        if (phase != ReleaseState.DEPLOYING && phase != ReleaseState.ROUTING && phase != ReleaseState.SWITCHING) {
            return;
        }
        if (s.live()) {
            brake("instance " + s.id + " of the live group could not be pulled out (" + s.failure + "); traffic is half switched");
            return;
        }
        int failed = failed();
        if (failed > acknowledgedFailures && policy.pastBrake(failed, standbySize)) {
            brake(failed + " of " + standbySize + " standby instances failed, past the brake at "
                    + Math.round(policy.brakeRatio() * 1000) / 10.0 + " %");
        }
    }

    private void routed(Step step, boolean succeeded, String failure) {
        if (succeeded) {
            if (step == Step.ROUTE && route == RouteState.SETTING) {
                route = RouteState.SET;
                changes.add(new Change(lead.id, "ROUTE", "SET", "requests with the header go to the standby group"));
            } else if (step == Step.UNROUTE && route == RouteState.CLEARING) {
                route = RouteState.NONE;
                changes.add(new Change(lead.id, "ROUTE", "NONE", "the header route is cleared"));
            }
            return;
        }
        if (state != ReleaseState.ABORTED) {
            brake("the header route could not be " + (step == Step.ROUTE ? "set" : "cleared") + ": " + failure);
        }
    }

    private void brake(String why) {
        ReleaseState from = state == ReleaseState.PAUSED ? pausedFrom : state;
        if (from == ReleaseState.BRAKED) {
            return;
        }
        brakedFrom = from;
        pausedFrom = null;
        reason = why;
        to(ReleaseState.BRAKED, why);
    }

    private StepCall run(Slot s, Step step) {
        s.running = step;
        s.call = ++lastCall;
        return new StepCall(s.id, step, s.call);
    }

    private Slot move(Slot s, InstanceState to, String why) {
        changes.add(new Change(s.id, s.state.name(), to.name(), why));
        s.state = to;
        return s;
    }

    private void to(ReleaseState next, String why) {
        changes.add(new Change(null, state.name(), next.name(), why));
        state = next;
    }

    private int runningCount() {
        int n = 0;
        for (Slot s : slots) {
            if (s.running != null) {
                n++;
            }
        }
        return n;
    }

    private Slot slot(String instance) {
        Slot s = byId.get(instance);
        if (s == null) {
            throw new IllegalArgumentException("instance " + instance + " is not in this release");
        }
        return s;
    }

    /** The standby instances (for a header route's variant set). */
    public Set<String> standby() {
        Set<String> ids = new HashSet<>();
        slots.stream().filter(s -> !s.live()).forEach(s -> ids.add(s.id));
        return ids;
    }
}
