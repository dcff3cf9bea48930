package io.skydeck.release.rollout;

import java.util.List;

/**
 * What a driver needs of a release's state machine, whatever the strategy: the steps given out
 * whose results are not known, the recording of a result, the transitions since the last write
 * and every instance as the release's rows show it. The Tars flow ({@link Rollout}, also RECREATE)
 * and the two-group strategies ({@link io.skydeck.release.switchover.Switchover}) implement it,
 * so one driver, one store and one event stream serve them all; what a person may do differs by
 * strategy and stays on each class.
 */
public interface ReleaseFlow {

    ReleaseState state();

    /** Why the release is where it is (the brake's reason, a failure), or null. */
    String reason();

    /** Steps given out whose results are not known: what a driver runs (again) after a restore. */
    List<StepCall> running();

    /** The result of a step given out earlier; the steps to run next. A result of a call not running changes nothing. */
    List<StepCall> record(StepCall call, boolean succeeded, String failure);

    /**
     * Whether {@code call}, just given out by {@link #record}, may start before the write that
     * records it as running. A step may, when a driver that dies before that write loses nothing
     * by it: the stored flow still shows the instance's step before it running, the next driver
     * runs that one again and then gives out this one again, and running both twice is the same
     * as running them once. A step that starts an instance, or whose start the store must know of
     * before it begins (an install: from then on a rollback has to restore), may not. None may by
     * default.
     */
    default boolean startsBeforeRecorded(StepCall call) {
        return false;
    }

    /** The transitions since the last call, oldest first. */
    List<Change> drainChanges();

    /** Every instance, in the release's order. */
    List<FlowInstance> instances();

    /** What a driver has to do: the steps running, and anything else the flow waits on a driver for. */
    default int pendingWork() {
        return running().size();
    }

    /** How many steps may run at once (the driver's thread count). */
    int parallelism();

    /** Everything the flow is, as a value a driver stores and the flow's {@code restore} takes back. */
    Record snapshot();

    /**
     * One instance as the release's rows show it: its batch (in a two-group release 0 is the live
     * group and 1 the standby group), state, the step it runs (null when none) and why it failed.
     */
    record FlowInstance(String id, int batch, InstanceState state, Step running, String failure) {
    }
}
