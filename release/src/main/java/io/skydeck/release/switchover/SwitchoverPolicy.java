package io.skydeck.release.switchover;

import io.skydeck.release.rollout.InvalidRollout;

import java.util.Objects;

/**
 * How a two-group release runs: its {@code exposure}, at most {@code parallelism} steps at once,
 * and the brake at {@code brakeRatio} of the standby group failed. There is no batch, bastion or
 * online minimum: the live group serves every user until the standby group is ready, so none of
 * them has anything to protect.
 */
public record SwitchoverPolicy(Exposure exposure, int parallelism, double brakeRatio) {

    public SwitchoverPolicy {
        Objects.requireNonNull(exposure, "exposure");
        if (parallelism < 1) {
            throw new InvalidRollout("parallelism", parallelism + " is below 1");
        }
        if (!(brakeRatio > 0 && brakeRatio <= 1)) {
            throw new InvalidRollout("brakeRatio", brakeRatio + " is outside (0, 1]");
        }
    }

    /** Whether {@code failed} failures in a standby group of {@code size} are past the brake. */
    public boolean pastBrake(int failed, int size) {
        return failed > brakeRatio * size + 1e-9;
    }
}
