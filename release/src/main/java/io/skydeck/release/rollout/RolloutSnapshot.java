package io.skydeck.release.rollout;

import java.util.List;
import java.util.Objects;

/**
 * Everything a rollout is, as a driver stores it after every change and gives it back to
 * {@link Rollout#restore} after a restart or on another replica. {@code running} is the step an
 * instance was given and whose result is not known yet; the driver runs it again on restore.
 * {@code holdAfter} are the batches after which the release holds for its gate, {@code passedThrough}
 * the last batch whose gate let it go on (null: none yet), {@code heldAt} the batch it holds after now.
 */
public record RolloutSnapshot(ReleaseState state, ReleaseState pausedFrom, int acknowledgedFailures, String reason,
                              RolloutPolicy policy, long lastCall, List<Instance> instances, List<Integer> holdAfter,
                              Integer passedThrough, Integer heldAt) {

    public RolloutSnapshot {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(policy, "policy");
        instances = List.copyOf(instances);
        holdAfter = holdAfter == null ? List.of() : List.copyOf(holdAfter); // snapshots stored before gates existed
    }

    public RolloutSnapshot(ReleaseState state, ReleaseState pausedFrom, int acknowledgedFailures, String reason, RolloutPolicy policy,
                           long lastCall, List<Instance> instances) {
        this(state, pausedFrom, acknowledgedFailures, reason, policy, lastCall, instances, List.of(), null, null);
    }

    /**
     * The same rollout with other instances: a store that keeps the instances in rows of their own
     * stores the snapshot with none ({@code List.of()}) and gives them back on restore.
     */
    public RolloutSnapshot withInstances(List<Instance> others) {
        return new RolloutSnapshot(state, pausedFrom, acknowledgedFailures, reason, policy, lastCall, others, holdAfter, passedThrough,
                heldAt);
    }

    /**
     * One instance: its batch (0 is the bastion's when there is one), state, the step it runs and
     * that call's id (0 when none runs), and whether its software was changed.
     */
    public record Instance(String id, int batch, InstanceState state, Step running, long call, boolean changed, String failure) {
        public Instance {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(state, "state");
        }
    }
}
