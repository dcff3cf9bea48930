package io.skydeck.release.canary;

import java.time.Duration;
import java.util.Objects;

/**
 * One step of a canary: send {@code weightPercent} of the traffic to the new version, wait
 * {@code pause} — or, {@code untilResumed}, until a person lets it go on — then (if
 * {@code analyse}) judge the new version before the next step.
 */
public record CanaryStep(int weightPercent, Duration pause, boolean analyse, boolean untilResumed) {

    public CanaryStep(int weightPercent, Duration pause, boolean analyse) {
        this(weightPercent, pause, analyse, false);
    }

    /** A step that holds at its weight until a person lets it go on, then analyses if it says so. */
    public static CanaryStep untilResumed(int weightPercent, boolean analyse) {
        return new CanaryStep(weightPercent, Duration.ZERO, analyse, true);
    }

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
