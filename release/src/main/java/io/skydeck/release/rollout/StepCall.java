package io.skydeck.release.rollout;

import java.util.Objects;

/**
 * A step to run on an instance now; its result goes back through {@link Rollout#record}. {@code id}
 * tells this call from every other one of the release, so a result that arrives late — from a run
 * before a crash, say — can never be taken for the result of a later step of the same kind.
 */
public record StepCall(String instance, Step step, long id) {
    public StepCall {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(step, "step");
    }
}
