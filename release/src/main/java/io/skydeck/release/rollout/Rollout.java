package io.skydeck.release.rollout;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Tars flow of one release over one group, as a state machine that decides and never does:
 * it says which step to run on which instance ({@link StepCall}), and learns each step's result
 * through {@link #record}. A driver runs the steps, stores {@link #snapshot()} after every change
 * and, after a crash, {@link #restore}s it and runs the {@link #running()} steps again — so an
 * instance is never skipped, and a finished one is never redone.
 *
 * <p><b>Smoke</b>: the bastion (first instance) is pulled out, fetches, installs, passes its
 * ignition check and stays out of traffic. <b>Bake</b>: a person tests it, {@linkplain
 * #pullInBastion() pulls it in}, watches, then {@linkplain #approve() approves} or rolls back.
 * <b>Roll</b>: the rest batch after batch; a batch starts when the one before has settled, and up
 * to {@code parallelism} of its instances run at once, each pulled back in automatically after
 * its ignition check passes. A single failure does not stop the roll. <b>The brake</b>: once more
 * than the brake ratio of the group has failed, or starting another instance would leave fewer
 * than the online minimum in traffic with nothing running that could bring one back, no further
 * instance starts (running steps finish) and the release is {@code BRAKED} until a person
 * continues or rolls back. The decision is taken when the failure is recorded, before any other
 * instance could start, so nothing starts after it.
 *
 * <p><b>Gates</b> (analysis, canary steps): a rollout planned with batches to {@linkplain
 * #plan(List, RolloutPolicy, List, Set) hold after} stops {@code HOLDING} once such a batch has
 * settled, before the next batch starts or the release succeeds. It decides nothing there itself:
 * whoever runs the gate says {@link #gatePassed}, {@link #gateFailed} (rolls back by itself) or
 * {@link #gateUndecided} (paused for a person; resuming brings the hold back, and the gate then
 * knows a person has looked).
 *
 * <p>Not thread-safe: one driver owns a rollout at a time (the service makes that one replica).
 */
public final class Rollout implements ReleaseFlow {

    private static final class Slot {
        final String id;
        final int batch;
        InstanceState state;
        Step running;
        long call;
        boolean changed;
        String failure;

        Slot(String id, int batch, InstanceState state, Step running, long call, boolean changed, String failure) {
            this.id = id;
            this.batch = batch;
            this.state = state;
            this.running = running;
            this.call = call;
            this.changed = changed;
            this.failure = failure;
        }
    }

    private final RolloutPolicy policy;
    private final List<Slot> slots;
    private final Map<String, Slot> byId = new LinkedHashMap<>();
    private ReleaseState state;
    private ReleaseState pausedFrom;
    private int acknowledgedFailures;
    private String reason;
    private long lastCall;
    private final List<Integer> holdAfter;
    private Integer passedThrough;
    private Integer heldAt;
    private final List<Change> changes = new ArrayList<>();
    /** Instances changed since the last {@link #drainTouched()}: what a store writes instead of every instance. */
    private final Set<String> touched = new java.util.LinkedHashSet<>();

    private Rollout(RolloutPolicy policy, List<Slot> slots, ReleaseState state, ReleaseState pausedFrom, int acknowledgedFailures,
                    String reason, long lastCall, List<Integer> holdAfter, Integer passedThrough, Integer heldAt) {
        this.lastCall = lastCall;
        this.holdAfter = List.copyOf(holdAfter);
        this.passedThrough = passedThrough;
        this.heldAt = heldAt;
        this.policy = policy;
        this.slots = slots;
        this.state = state;
        this.pausedFrom = pausedFrom;
        this.acknowledgedFailures = acknowledgedFailures;
        this.reason = reason;
        for (Slot s : slots) {
            if (byId.put(s.id, s) != null) {
                throw new InvalidRollout("instances", "instance " + s.id + " is named twice");
            }
        }
    }

    /**
     * A new release of the group's instances, in the order given (the first is the bastion when
     * the policy has one). Nothing runs until {@link #advance()}.
     */
    public static Rollout plan(List<String> instances, RolloutPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        if (instances.isEmpty()) {
            throw new InvalidRollout("group", "the group has no instances");
        }
        int size = instances.size();
        if (policy.minimumInTraffic(size) > size - 1) {
            throw new InvalidRollout("onlineMinimum", "keeping " + policy.minimumInTraffic(size) + " of " + size
                    + " instances in traffic leaves none to update");
        }
        List<Slot> slots = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int batch = policy.bastion() ? (i == 0 ? 0 : 1 + (i - 1) / policy.batchSize()) : i / policy.batchSize();
            slots.add(new Slot(Objects.requireNonNull(instances.get(i), "instance"), batch, InstanceState.WAITING, null, 0, false, null));
        }
        return new Rollout(policy, slots, policy.bastion() ? ReleaseState.SMOKING : ReleaseState.ROLLING, null, 0, null, 0, List.of(),
                null, null);
    }

    /**
     * A new release in batches of the sizes given (empty: the policy's batches, bastion included)
     * that holds for its gate after each batch in {@code holdAfter} (see the class comment).
     * Batches of given sizes have no bastion: a policy with one is refused.
     */
    public static Rollout plan(List<String> instances, RolloutPolicy policy, List<Integer> batchSizes, Set<Integer> holdAfter) {
        Rollout planned = plan(instances, policy);
        List<Slot> slots = planned.slots;
        if (!batchSizes.isEmpty()) {
            if (policy.bastion()) {
                throw new InvalidRollout("bastion", "batches of given sizes have no bastion");
            }
            int total = 0;
            for (int size : batchSizes) {
                if (size < 1) {
                    throw new InvalidRollout("batches", "a batch of " + size + " instances is empty");
                }
                total += size;
            }
            if (total != slots.size()) {
                throw new InvalidRollout("batches", "batches of " + batchSizes + " are " + total + " instances, the group " + slots.size());
            }
            List<Slot> sized = new ArrayList<>(slots.size());
            int i = 0;
            for (int b = 0; b < batchSizes.size(); b++) {
                for (int n = 0; n < batchSizes.get(b); n++, i++) {
                    Slot s = slots.get(i);
                    sized.add(new Slot(s.id, b, s.state, null, 0, false, null));
                }
            }
            slots = sized;
        }
        int batches = slots.get(slots.size() - 1).batch + 1;
        for (int b : holdAfter) {
            if (b < 0 || b >= batches) {
                throw new InvalidRollout("holdAfter", "batch " + b + " is not one of the " + batches + " batches");
            }
        }
        return new Rollout(policy, slots, planned.state, null, 0, null, 0, holdAfter.stream().sorted().toList(), null, null);
    }

    /** The rollout as it was stored. */
    public static Rollout restore(RolloutSnapshot snapshot) {
        List<Slot> slots = new ArrayList<>();
        for (RolloutSnapshot.Instance i : snapshot.instances()) {
            slots.add(new Slot(i.id(), i.batch(), i.state(), i.running(), i.call(), i.changed(), i.failure()));
        }
        return new Rollout(snapshot.policy(), slots, snapshot.state(), snapshot.pausedFrom(), snapshot.acknowledgedFailures(),
                snapshot.reason(), snapshot.lastCall(), snapshot.holdAfter(), snapshot.passedThrough(), snapshot.heldAt());
    }

    @Override
    public RolloutSnapshot snapshot() {
        List<RolloutSnapshot.Instance> instances = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            instances.add(new RolloutSnapshot.Instance(s.id, s.batch, s.state, s.running, s.call, s.changed, s.failure));
        }
        return new RolloutSnapshot(state, pausedFrom, acknowledgedFailures, reason, policy, lastCall, instances, holdAfter, passedThrough,
                heldAt);
    }

    /** {@link #snapshot()} without its instances, for a store that keeps them in rows of their own ({@link #drainTouched}). */
    public RolloutSnapshot header() {
        return new RolloutSnapshot(state, pausedFrom, acknowledgedFailures, reason, policy, lastCall, List.of(), holdAfter, passedThrough,
                heldAt);
    }

    @Override
    public ReleaseState state() {
        return state;
    }

    /** Why the release is where it is (the brake's reason, the bastion's failure), or null. */
    @Override
    public String reason() {
        return reason;
    }

    /** The batch the release holds after, waiting for its gate; empty unless {@code HOLDING}. */
    public java.util.OptionalInt heldAfter() {
        return state == ReleaseState.HOLDING && heldAt != null ? java.util.OptionalInt.of(heldAt) : java.util.OptionalInt.empty();
    }

    /** The batch a paused release was holding after (a gate handed it to a person, or a person paused the hold). */
    public java.util.OptionalInt pausedHolding() {
        return state == ReleaseState.PAUSED && pausedFrom == ReleaseState.HOLDING && heldAt != null ? java.util.OptionalInt.of(heldAt)
                : java.util.OptionalInt.empty();
    }

    /** What a driver has to do: the steps running, and a held gate as one more piece of work. */
    @Override
    public int pendingWork() {
        return running().size() + (heldAfter().isPresent() ? 1 : 0);
    }

    /** The batch of each instance, in the group's order. */
    public List<Integer> batches() {
        return slots.stream().map(s -> s.batch).toList();
    }

    /** The gate after {@code batch} let the release go on: the next batch starts (or the release succeeds). */
    public List<StepCall> gatePassed(int batch, String why) {
        requireHeldAt(batch);
        passedThrough = batch;
        heldAt = null;
        to(ReleaseState.ROLLING, why);
        return advance();
    }

    /** The gate after {@code batch} failed: every changed instance gets the previous version back, without a person. */
    public List<StepCall> gateFailed(int batch, String why) {
        requireHeldAt(batch);
        heldAt = null;
        reason = why;
        to(ReleaseState.ROLLING_BACK, why);
        return advance();
    }

    /** The gate after {@code batch} could not decide: a person must (resume to let the gate go on, or roll back). */
    public void gateUndecided(int batch, String why) {
        requireHeldAt(batch);
        reason = why;
        pausedFrom = ReleaseState.HOLDING;
        to(ReleaseState.PAUSED, why);
    }

    private void requireHeldAt(int batch) {
        if (state != ReleaseState.HOLDING || heldAt == null || heldAt != batch) {
            throw new ActionRefused(state, "the release does not hold after batch " + batch + "; it is " + state
                    + (heldAt == null ? "" : " after batch " + heldAt));
        }
    }

    /** Steps given out whose results are not known: what a driver runs (again) after a restore. */
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

    /** The transitions since the last call, oldest first. */
    @Override
    public List<Change> drainChanges() {
        List<Change> drained = List.copyOf(changes);
        changes.clear();
        return drained;
    }

    /**
     * The instances whose state, step, call or failure changed since the last call (or since the
     * rollout was planned or restored), in the order they changed: a store that keeps one row per
     * instance writes these rows rather than the whole snapshot.
     */
    public Set<String> drainTouched() {
        Set<String> drained = new java.util.LinkedHashSet<>(touched);
        touched.clear();
        return drained;
    }

    /** One instance as {@link #snapshot()} has it, without building the whole snapshot. */
    public RolloutSnapshot.Instance instance(String id) {
        Slot s = slot(id);
        return new RolloutSnapshot.Instance(s.id, s.batch, s.state, s.running, s.call, s.changed, s.failure);
    }

    public int failed() {
        int failed = 0;
        for (Slot s : slots) {
            if (s.state == InstanceState.FAILED) {
                failed++;
            }
        }
        return failed;
    }

    public int inTraffic() {
        int n = 0;
        for (Slot s : slots) {
            if (s.state.inTraffic()) {
                n++;
            }
        }
        return n;
    }

    public InstanceState stateOf(String instance) {
        return slot(instance).state;
    }

    public int batchOf(String instance) {
        return slot(instance).batch;
    }

    /** Starts whatever may start now and returns the first step of each. */
    public List<StepCall> advance() {
        List<StepCall> calls = new ArrayList<>();
        switch (state) {
            case SMOKING -> {
                Slot bastion = slots.get(0);
                if (bastion.state == InstanceState.WAITING && bastion.running == null) {
                    calls.add(startUpdate(bastion));
                }
            }
            case ROLLING -> roll(calls);
            case ROLLING_BACK -> revert(calls);
            default -> {
                // nothing starts while smoke failed, baking, paused, braked or finished
            }
        }
        return calls;
    }

    /**
     * The result of a step given out earlier; returns the steps to run next (the instance's next
     * step and whatever may start now). A result for a call the instance is not running (a
     * duplicate, or a late one from before a restore) changes nothing.
     */
    @Override
    public List<StepCall> record(StepCall call, boolean succeeded, String failure) {
        Slot s = slot(call.instance());
        if (s.running != call.step() || s.call != call.id()) {
            return List.of();
        }
        Step step = call.step();
        s.running = null;
        s.call = 0;
        touched.add(s.id);
        List<StepCall> calls = new ArrayList<>();
        if (s.state == InstanceState.UPDATING) {
            if (succeeded) {
                updated(s, step, calls);
            } else {
                failedUpdate(s, step, failure);
            }
        } else if (s.state == InstanceState.REVERTING) {
            if (succeeded) {
                Step next = nextRevertStep(s, step);
                if (next == null) {
                    move(s, InstanceState.REVERTED, "rolled back");
                } else {
                    calls.add(run(s, next));
                }
            } else {
                s.failure = step + ": " + failure;
                move(s, InstanceState.REVERT_FAILED, s.failure);
            }
        }
        calls.addAll(advance());
        return calls;
    }

    /**
     * An update's steps after its pull-out — fetch, ignition check, pull-in — and a rollback's
     * ignition check after its restore start before they are recorded: none starts an instance or
     * changes what a rollback has to do, fetch and the check only read, and a pull-in a driver
     * died before recording leaves an instance in traffic that the store shows still updating,
     * which is why a rollback pulls every half-way changed instance out first
     * ({@link #startRevert}). Pull-out (an instance's start, counted by the brake and the online
     * minimum) and install or restore (a rollback must know an install may have begun) wait for
     * their record.
     */
    @Override
    public boolean startsBeforeRecorded(StepCall call) {
        Slot s = byId.get(call.instance());
        if (s == null || s.running != call.step() || s.call != call.id()) {
            return false;
        }
        return switch (call.step()) {
            case FETCH, PULL_IN -> s.state == InstanceState.UPDATING;
            case IGNITION_CHECK -> s.state == InstanceState.UPDATING || s.state == InstanceState.REVERTING;
            default -> false;
        };
    }

    /** Bake, first half: a person pulls the tested bastion into traffic. */
    public List<StepCall> pullInBastion() {
        Slot bastion = slots.get(0);
        if (state != ReleaseState.BAKING || bastion.state != InstanceState.VERIFIED || bastion.running != null) {
            throw new ActionRefused(state, "only a bastion that passed its smoke, while the release bakes, can be pulled in; the release is "
                    + state + " and its bastion " + bastion.state);
        }
        move(bastion, InstanceState.UPDATING, "pulled in by a person");
        return List.of(run(bastion, Step.PULL_IN));
    }

    /** Bake, second half: the bastion served traffic well; the rest of the group rolls. */
    public List<StepCall> approve() {
        if (state != ReleaseState.BAKING) {
            throw new ActionRefused(state, "only a baking release can be approved; this one is " + state);
        }
        if (slots.get(0).state != InstanceState.DONE) {
            throw new ActionRefused(state, "pull the bastion into traffic and watch it before approving; it is " + slots.get(0).state);
        }
        to(ReleaseState.ROLLING, "approved");
        return advance();
    }

    /** Nothing new starts; running instances finish their steps. */
    public void pause() {
        if (state != ReleaseState.SMOKING && state != ReleaseState.BAKING && state != ReleaseState.ROLLING
                && state != ReleaseState.ROLLING_BACK && state != ReleaseState.HOLDING) {
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

    /** A person looked at the failures and lets the roll go on; the brake holds again at the next failure past the ratio. */
    public List<StepCall> continueAfterBrake() {
        if (state != ReleaseState.BRAKED) {
            throw new ActionRefused(state, "only a braked release can be continued; this one is " + state);
        }
        acknowledgedFailures = failed();
        to(ReleaseState.ROLLING, "continued after the brake with " + acknowledgedFailures + " failed");
        return advance();
    }

    /** Every instance the release changed gets the previous version back (running steps finish first). */
    public List<StepCall> rollback() {
        if (state == ReleaseState.ROLLING_BACK || state == ReleaseState.ROLLED_BACK || state == ReleaseState.ABORTED) {
            throw new ActionRefused(state, "a " + state + " release cannot be rolled back");
        }
        pausedFrom = null;
        heldAt = null;
        to(ReleaseState.ROLLING_BACK, "rollback by a person");
        return advance();
    }

    /** Stops where it stands: running steps report, nothing more is given out. */
    public void abort() {
        if (state.finished()) {
            throw new ActionRefused(state, "a " + state + " release cannot be aborted");
        }
        pausedFrom = null;
        heldAt = null;
        to(ReleaseState.ABORTED, "aborted by a person");
    }

    private void roll(List<StepCall> calls) {
        int batch = currentBatch();
        int settled = batch < 0 ? slots.get(slots.size() - 1).batch : batch - 1;
        if (settled >= 0 && holdAfter.contains(settled) && (passedThrough == null || passedThrough < settled) && runningCount() == 0) {
            // Nothing of the next batch has started (it starts only once this gate passed): hold here.
            heldAt = settled;
            to(ReleaseState.HOLDING, "batch " + settled + " settled; waiting for its gate");
            return;
        }
        if (batch < 0) {
            to(ReleaseState.SUCCEEDED, failed() == 0 ? "every instance runs the new version"
                    : failed() + " of " + slots.size() + " instances failed, below the brake");
            return;
        }
        int running = runningCount();
        int inTraffic = inTraffic();
        int minimum = policy.minimumInTraffic(slots.size());
        for (Slot s : slots) {
            if (s.batch != batch || s.state != InstanceState.WAITING) {
                continue;
            }
            if (running >= policy.parallelism() || inTraffic - 1 < minimum) {
                break;
            }
            calls.add(startUpdate(s));
            running++;
            inTraffic--;
        }
        if (running == 0) {
            // Nothing runs that could bring an instance back, and nothing may start.
            brake("starting another instance would leave " + (inTraffic - 1) + " of " + slots.size()
                    + " in traffic, below the online minimum of " + minimum);
        }
    }

    /** The lowest batch with an instance not settled, if every batch before it has settled; -1 when all have. */
    private int currentBatch() {
        for (Slot s : slots) {
            if (!s.state.settled()) {
                return s.batch;
            }
        }
        return -1;
    }

    private void revert(List<StepCall> calls) {
        int running = runningCount();
        int inTraffic = inTraffic();
        int minimum = policy.minimumInTraffic(slots.size());
        boolean left = false;
        for (Slot s : slots) {
            if (!needsRevert(s)) {
                continue;
            }
            left = true;
            if (running >= policy.parallelism()) {
                break;
            }
            boolean pullsOut = s.state.inTraffic();
            if (pullsOut && inTraffic - 1 < minimum && running > 0) {
                continue; // wait for one that is coming back; with nothing running, go on rather than stand still
            }
            calls.add(startRevert(s));
            running++;
            if (pullsOut) {
                inTraffic--;
            }
        }
        if (!left && running == 0) {
            to(ReleaseState.ROLLED_BACK, "every changed instance runs the previous version");
        }
    }

    private boolean needsRevert(Slot s) {
        if (s.running != null) {
            return false;
        }
        return switch (s.state) {
            case DONE, FAILED, VERIFIED -> true;
            case UPDATING -> true; // stopped half-way when the rollback began
            default -> false;
        };
    }

    private StepCall startUpdate(Slot s) {
        return run(move(s, InstanceState.UPDATING, "started"), Step.PULL_OUT);
    }

    private StepCall startRevert(Slot s) {
        // An instance stopped half-way after its install may be in traffic although its state says otherwise: its
        // pull-in may have run before it was recorded (see startsBeforeRecorded). Pulling out what is out changes nothing.
        boolean mayBeInTraffic = s.state.inTraffic() || (s.state == InstanceState.UPDATING && s.changed);
        Step first = mayBeInTraffic ? Step.PULL_OUT : s.changed ? Step.RESTORE : Step.PULL_IN;
        move(s, InstanceState.REVERTING, "rollback");
        return run(s, first);
    }

    private void updated(Slot s, Step step, List<StepCall> calls) {
        if (step == Step.PULL_IN) {
            move(s, InstanceState.DONE, null);
            return;
        }
        boolean bastion = policy.bastion() && s == slots.get(0);
        if (step == Step.IGNITION_CHECK && bastion) {
            move(s, InstanceState.VERIFIED, "smoke passed");
            if (state == ReleaseState.SMOKING) {
                to(ReleaseState.BAKING, "the bastion passed its smoke; test it, pull it in and approve");
            } else if (state == ReleaseState.PAUSED && pausedFrom == ReleaseState.SMOKING) {
                pausedFrom = ReleaseState.BAKING;
            }
            return;
        }
        if (state == ReleaseState.ROLLING_BACK || state == ReleaseState.ABORTED) {
            return; // the rollback picks it up from here; an abort leaves it where it stands
        }
        calls.add(run(s, nextUpdateStep(step)));
    }

    private void failedUpdate(Slot s, Step step, String failure) {
        s.failure = step + ": " + failure;
        move(s, InstanceState.FAILED, s.failure);
        boolean bastion = policy.bastion() && s == slots.get(0);
        boolean rolling = state == ReleaseState.ROLLING || (state == ReleaseState.PAUSED && pausedFrom == ReleaseState.ROLLING);
        boolean smoking = state == ReleaseState.SMOKING || (state == ReleaseState.PAUSED && pausedFrom == ReleaseState.SMOKING);
        if (bastion && smoking) {
            pausedFrom = null;
            reason = "the bastion failed its smoke: " + s.failure;
            to(ReleaseState.SMOKE_FAILED, reason);
            return;
        }
        if (!rolling) {
            return;
        }
        int failed = failed();
        if (failed > acknowledgedFailures && policy.pastBrake(failed, slots.size())) {
            brake(failed + " of " + slots.size() + " instances failed, past the brake at " + percent(policy.brakeRatio()));
            return;
        }
        int couldComeBack = inTraffic() + runningUpdates();
        int minimum = policy.minimumInTraffic(slots.size());
        if (couldComeBack < minimum) {
            brake("only " + couldComeBack + " of " + slots.size() + " instances can be in traffic, below the online minimum of " + minimum);
        }
    }

    private void brake(String why) {
        pausedFrom = null;
        reason = why;
        to(ReleaseState.BRAKED, why);
    }

    private static Step nextUpdateStep(Step done) {
        return switch (done) {
            case PULL_OUT -> Step.FETCH;
            case FETCH -> Step.INSTALL;
            case INSTALL -> Step.IGNITION_CHECK;
            case IGNITION_CHECK -> Step.PULL_IN;
            default -> throw new IllegalStateException(done + " is not a step of an update");
        };
    }

    private static Step nextRevertStep(Slot s, Step done) {
        return switch (done) {
            case PULL_OUT -> s.changed ? Step.RESTORE : Step.PULL_IN;
            case RESTORE -> Step.IGNITION_CHECK;
            case IGNITION_CHECK -> Step.PULL_IN;
            case PULL_IN -> null;
            default -> throw new IllegalStateException(done + " is not a step of a rollback");
        };
    }

    private StepCall run(Slot s, Step step) {
        touched.add(s.id);
        s.running = step;
        s.call = ++lastCall;
        if (step == Step.INSTALL) {
            s.changed = true; // from the moment the install may have begun
        }
        return new StepCall(s.id, step, s.call);
    }

    private Slot move(Slot s, InstanceState to, String why) {
        touched.add(s.id);
        changes.add(Change.ofInstance(s.id, s.state, to, why));
        s.state = to;
        return s;
    }

    private void to(ReleaseState next, String why) {
        changes.add(Change.ofRelease(state, next, why));
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

    private int runningUpdates() {
        int n = 0;
        for (Slot s : slots) {
            if (s.running != null && s.state == InstanceState.UPDATING) {
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

    private static String percent(double ratio) {
        return Math.round(ratio * 1000) / 10.0 + " %";
    }

    @Override
    public List<FlowInstance> instances() {
        List<FlowInstance> rows = new ArrayList<>(slots.size());
        for (Slot s : slots) {
            rows.add(new FlowInstance(s.id, s.batch, s.state, s.running, s.failure));
        }
        return rows;
    }

    @Override
    public int parallelism() {
        return policy.parallelism();
    }

    /** The ids of the instances in {@code state}, in the group's order. */
    public List<String> instancesIn(InstanceState wanted) {
        List<String> ids = new ArrayList<>();
        for (Slot s : slots) {
            if (s.state == wanted) {
                ids.add(s.id);
            }
        }
        return ids;
    }

    /** Instances whose software the release changed (for a rollback's count). */
    public Set<String> changed() {
        Set<String> ids = new HashSet<>();
        for (Slot s : slots) {
            if (s.changed) {
                ids.add(s.id);
            }
        }
        return ids;
    }
}
