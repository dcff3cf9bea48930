package io.skydeck.release.canary;

import java.time.Duration;
import java.util.Objects;

/**
 * One step of a canary: send {@code weightPercent} of the traffic to the new version, wait
 * {@code pause}, then (if {@code analyse}) judge the new version before the next step.
 */
public record CanaryStep(int weightPercent, Duration pause, boolean analyse) {
    public CanaryStep {
        Objects.requireNonNull(pause, "pause");
        if (weightPercent < 1 || weightPercent > 100) {
            throw new IllegalArgumentException("steps.weightPercent: " + weightPercent + " is outside 1..100");
        }
        if (pause.isNegative()) {
            throw new IllegalArgumentException("steps.pause: " + pause + " is negative");
        }
    }
}
