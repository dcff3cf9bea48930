package io.skydeck.release.rollout;

/**
 * How a group is rolled: batches of {@code batchSize} instances, at most {@code parallelism} of
 * them running at once; the brake at {@code brakeRatio} (the release stops once more than this
 * share of the group has failed); never fewer than {@code onlineMinimum} of the group in traffic;
 * and whether the first instance is a bastion (smoke, then bake with a person) or simply the
 * first of the first batch.
 */
public record RolloutPolicy(int batchSize, int parallelism, double brakeRatio, double onlineMinimum, boolean bastion) {

    public RolloutPolicy {
        if (batchSize < 1) {
            throw new InvalidRollout("batchSize", batchSize + " is below 1");
        }
        if (parallelism < 1) {
            throw new InvalidRollout("parallelism", parallelism + " is below 1");
        }
        if (!(brakeRatio > 0 && brakeRatio <= 1)) {
            throw new InvalidRollout("brakeRatio", brakeRatio + " is outside (0, 1]");
        }
        if (!(onlineMinimum >= 0 && onlineMinimum < 1)) {
            throw new InvalidRollout("onlineMinimum", onlineMinimum + " is outside [0, 1)");
        }
    }

    /**
     * RECREATE: the whole group is one batch with no bastion and no online minimum — every
     * instance is pulled out, installed, checked and pulled back in, {@code parallelism} at a
     * time (the whole group at once when it is the group's size). The brake still holds: past
     * {@code brakeRatio} of failures nothing more starts. Nothing else of the Tars flow changes,
     * so RECREATE is this policy and not a state machine of its own.
     */
    public static RolloutPolicy recreate(int groupSize, int parallelism, double brakeRatio) {
        return new RolloutPolicy(Math.max(1, groupSize), parallelism, brakeRatio, 0.0, false);
    }

    /** Instances that must stay in traffic in a group of {@code size}. */
    public int minimumInTraffic(int size) {
        return (int) Math.ceil(onlineMinimum * size - 1e-9);
    }

    /** Whether {@code failed} failures in a group of {@code size} are past the brake. */
    public boolean pastBrake(int failed, int size) {
        return failed > brakeRatio * size + 1e-9;
    }
}
