package io.skydeck.release.canary;

import io.skydeck.release.analysis.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A canary by traffic weight: step after step, the weight is set, its pause waited out and, where
 * the step says so, the new version analysed. A failed analysis rolls the traffic back by itself;
 * an inconclusive one pauses for a person and never promotes; the last step's success promotes
 * (100 % to the new version). Like {@link io.skydeck.release.rollout.Rollout}, it decides and
 * never does: {@link #next(Instant)} says what the driver should do, and the driver reports back.
 * The fields are all a driver needs to store to resume it after a crash ({@link #restore}).
 */
public final class Canary {

    private final List<CanaryStep> steps;
    private CanaryState state;
    private int step;
    private Instant waitUntil;
    private String reason;

    private Canary(List<CanaryStep> steps, CanaryState state, int step, Instant waitUntil, String reason) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("steps: a canary needs at least one step");
        }
        int previous = 0;
        for (CanaryStep s : steps) {
            if (s.weightPercent() <= previous) {
                throw new IllegalArgumentException("steps.weightPercent: weights must rise step by step; " + s.weightPercent()
                        + " follows " + previous);
            }
            previous = s.weightPercent();
        }
        this.steps = List.copyOf(steps);
        this.state = state;
        this.step = step;
        this.waitUntil = waitUntil;
        this.reason = reason;
    }

    public static Canary start(List<CanaryStep> steps) {
        return new Canary(steps, CanaryState.SHIFTING, 0, null, null);
    }

    /** A canary as a driver stored it. */
    public static Canary restore(List<CanaryStep> steps, CanaryState state, int step, Instant waitUntil, String reason) {
        return new Canary(steps, Objects.requireNonNull(state, "state"), step, waitUntil, reason);
    }

    public CanaryState state() {
        return state;
    }

    public int step() {
        return step;
    }

    public Instant waitUntil() {
        return waitUntil;
    }

    public String reason() {
        return reason;
    }

    /** The weight the new version should have now. */
    public int weight() {
        return switch (state) {
            case PROMOTING, PROMOTED -> 100;
            case ROLLING_BACK, ROLLED_BACK -> 0;
            default -> steps.get(step).weightPercent();
        };
    }

    /** What the driver should do now (a pause that has run out moves the canary on first). */
    public CanaryAction next(Instant now) {
        tick(now);
        return switch (state) {
            case SHIFTING, PROMOTING, ROLLING_BACK -> new CanaryAction.SetWeight(weight());
            case WAITING -> new CanaryAction.WaitUntil(waitUntil);
            case ANALYSING -> new CanaryAction.Analyse(step);
            case PAUSED, HELD -> new CanaryAction.AwaitPerson(reason);
            case PROMOTED, ROLLED_BACK -> new CanaryAction.Done(state);
        };
    }

    /** The target now routes the weight asked for. */
    public void weightSet(int percent, Instant now) {
        if (percent != weight()) {
            return; // a late report of an earlier weight
        }
        if (state == CanaryState.ROLLING_BACK) {
            state = CanaryState.ROLLED_BACK;
        } else if (state == CanaryState.PROMOTING) {
            state = CanaryState.PROMOTED;
        } else if (state == CanaryState.SHIFTING && steps.get(step).untilResumed()) {
            state = CanaryState.HELD;
            reason = "step " + (step + 1) + " holds at " + percent + " % until a person resumes it";
        } else if (state == CanaryState.SHIFTING) {
            state = CanaryState.WAITING;
            waitUntil = now.plus(steps.get(step).pause());
        }
    }

    /** Once the pause has run out: the step's analysis, or the next step. */
    public void tick(Instant now) {
        if (state == CanaryState.WAITING && !now.isBefore(waitUntil)) {
            if (steps.get(step).analyse()) {
                state = CanaryState.ANALYSING;
            } else {
                advance();
            }
        }
    }

    /** The analysis of step {@code analysedStep} gave {@code verdict} ({@code why} says which checks). */
    public void analysed(int analysedStep, Verdict verdict, String why) {
        if (state != CanaryState.ANALYSING || analysedStep != step) {
            return;
        }
        switch (verdict) {
            case SUCCESSFUL -> advance();
            case FAILED -> {
                reason = "analysis of step " + (step + 1) + " failed: " + why;
                state = CanaryState.ROLLING_BACK;
            }
            case INCONCLUSIVE -> {
                reason = "analysis of step " + (step + 1) + " was inconclusive: " + why;
                state = CanaryState.PAUSED;
            }
        }
    }

    /**
     * A person lets a paused canary go on to its next step (after looking at what the analysis
     * could not judge), or a held step on to its analysis (or, without one, to the next step).
     */
    public void proceed() {
        if (state != CanaryState.PAUSED && state != CanaryState.HELD) {
            throw new IllegalStateException("only a paused or held canary proceeds; this one is " + state);
        }
        boolean held = state == CanaryState.HELD;
        reason = null;
        if (held && steps.get(step).analyse()) {
            state = CanaryState.ANALYSING;
        } else {
            advance();
        }
    }

    /** A person stops it: the traffic goes back to the stable version. */
    public void rollback(String why) {
        if (state.finished() || state == CanaryState.ROLLING_BACK || state == CanaryState.PROMOTING) {
            throw new IllegalStateException("a " + state + " canary cannot be rolled back");
        }
        reason = why;
        state = CanaryState.ROLLING_BACK;
    }

    /** A person holds it at its current weight. */
    public void pause(String why) {
        if (state.finished() || state == CanaryState.ROLLING_BACK || state == CanaryState.PROMOTING || state == CanaryState.PAUSED
                || state == CanaryState.HELD) {
            throw new IllegalStateException("a " + state + " canary cannot be paused");
        }
        reason = why;
        state = CanaryState.PAUSED;
    }

    private void advance() {
        if (step == steps.size() - 1) {
            state = CanaryState.PROMOTING;
            return;
        }
        step++;
        state = CanaryState.SHIFTING;
        waitUntil = null;
    }
}
