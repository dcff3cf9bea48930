package io.skydeck.release.switchover;

import io.skydeck.release.rollout.InstanceState;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.rollout.Step;

import java.util.List;
import java.util.Objects;

/**
 * Everything a switchover is, as a driver stores it after every change and gives it back to
 * {@link Switchover#restore}. {@code pausedFrom} and {@code brakedFrom} are where a resume and a
 * continue go back to; {@code running} of an instance is the step given out whose result is not
 * known (run again on restore), with its call id.
 */
public record SwitchoverSnapshot(ReleaseState state, ReleaseState pausedFrom, ReleaseState brakedFrom, int acknowledgedFailures,
                                 String reason, SwitchoverPolicy policy, RouteState route, long lastCall, List<Instance> instances) {

    public SwitchoverSnapshot {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(route, "route");
        instances = List.copyOf(instances);
    }

    public record Instance(String id, Role role, InstanceState state, Step running, long call, String failure) {
        public Instance {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(state, "state");
        }
    }
}
