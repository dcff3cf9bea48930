package io.skydeck.release;

import io.skydeck.platform.problem.ProblemException;
import io.skydeck.release.canary.CanaryStep;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * A CANARY release's steps as stored ({@code app_release.canary}), and how they become the
 * rollout's batches and holds.
 *
 * <p><b>By weight</b>: the first {@code canaryInstances} of the group are batch 0 and get the new
 * version; the release then holds after batch 0 while a {@link io.skydeck.release.canary.Canary}
 * walks the weight steps on the group's traffic target (pause, analysis); its promotion lets the
 * rest of the group (batch 1) roll, and a last hold after batch 1 gives the whole group its traffic
 * back evenly. <b>By count</b>: step {@code i} brings the group to {@code instances} on the new
 * version — batch {@code i} is the difference — and the release holds after each step's batch for
 * its pause and analysis; what the last step leaves is a final batch that rolls once it passed.
 */
public record CanarySpec(Mode mode, int canaryInstances, List<Step> steps) {

    public enum Mode { WEIGHT, COUNT }

    /** {@code pause} is ISO-8601, or null for a pause until a person resumes. */
    public record Step(Integer weight, Integer instances, String pause, boolean analyse) {
    }

    static CanarySpec of(GateViews.CanaryRequest request, int groupSize, boolean hasAnalysis) {
        if (request == null) {
            throw ProblemException.invalid("canary", "a CANARY release needs its steps");
        }
        if (request.steps() == null || request.steps().isEmpty()) {
            throw ProblemException.invalid("canary.steps", "a canary needs at least one step");
        }
        boolean byWeight = request.steps().get(0) != null && request.steps().get(0).weight() != null;
        List<Step> steps = new ArrayList<>();
        int previous = 0;
        for (int i = 0; i < request.steps().size(); i++) {
            GateViews.StepRequest s = request.steps().get(i);
            String field = "canary.steps[" + i + "]";
            if (s == null || (s.weight() == null) == (s.instances() == null)) {
                throw ProblemException.invalid(field, "give either weight or instances");
            }
            if ((s.weight() != null) != byWeight) {
                throw ProblemException.invalid(field, "every step of a canary is by weight or every step by instances, not a mix");
            }
            int value = byWeight ? s.weight() : s.instances();
            String what = byWeight ? "weight" : "instances";
            int most = byWeight ? 100 : groupSize;
            if (value <= previous || value > most) {
                throw ProblemException.invalid(field + "." + what, value + " must rise above " + previous + " and stay at most " + most);
            }
            previous = value;
            if (Boolean.TRUE.equals(s.analyse()) && !hasAnalysis) {
                throw ProblemException.invalid(field + ".analyse", "the release has no analysis to run");
            }
            steps.add(new Step(s.weight(), s.instances(), pause(s.pause(), field + ".pause"),
                    s.analyse() == null ? hasAnalysis : s.analyse()));
        }
        int canaries = 0;
        if (byWeight) {
            canaries = request.canaryInstances() == null ? 1 : request.canaryInstances();
            if (canaries < 1 || canaries >= groupSize) {
                throw ProblemException.invalid("canary.canaryInstances", canaries + " is outside 1.." + (groupSize - 1)
                        + ": a canary by weight needs the rest of the group beside it");
            }
        } else if (request.canaryInstances() != null) {
            throw ProblemException.invalid("canary.canaryInstances", "only a canary by weight has canary instances; steps by instances say how many");
        }
        return new CanarySpec(byWeight ? Mode.WEIGHT : Mode.COUNT, canaries, List.copyOf(steps));
    }

    private static String pause(String text, String field) {
        if (text == null) {
            return Duration.ZERO.toString();
        }
        if (text.trim().equalsIgnoreCase("indefinite")) {
            return null;
        }
        try {
            Duration d = Duration.parse(text.trim());
            if (d.isNegative()) {
                throw ProblemException.invalid(field, text + " is negative");
            }
            return d.toString();
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field, "'" + text + "' is neither an ISO-8601 duration such as PT5M nor indefinite");
        }
    }

    /** The rollout's batches over a group of {@code size}. */
    List<Integer> batchSizes(int size) {
        List<Integer> sizes = new ArrayList<>();
        if (mode == Mode.WEIGHT) {
            sizes.add(canaryInstances);
            sizes.add(size - canaryInstances);
            return sizes;
        }
        int before = 0;
        for (Step s : steps) {
            sizes.add(s.instances() - before);
            before = s.instances();
        }
        if (before < size) {
            sizes.add(size - before);
        }
        return sizes;
    }

    /** The batches the rollout holds after for a gate. */
    Set<Integer> holdAfter() {
        if (mode == Mode.WEIGHT) {
            return Set.of(0, 1);
        }
        return new LinkedHashSet<>(IntStream.range(0, steps.size()).boxed().toList());
    }

    /**
     * The canary steps the gate after {@code batch} walks. By weight: batch 0's gate is the whole
     * weight canary; batch 1's gives all traffic to the group, every instance of which now runs the
     * new version. By count: the step of that batch; its "weight" is the share of the group on the
     * new version, recorded, not set anywhere.
     */
    List<CanaryStep> gateSteps(int batch, int size) {
        if (mode == Mode.WEIGHT) {
            if (batch == 1) {
                return List.of(new CanaryStep(100, Duration.ZERO, false));
            }
            return steps.stream().map(CanarySpec::canaryStep).toList();
        }
        Step s = steps.get(batch);
        int share = Math.max(1, Math.min(100, (int) Math.ceil(s.instances() * 100.0 / size)));
        return List.of(s.pause() == null ? CanaryStep.untilResumed(share, s.analyse())
                : new CanaryStep(share, Duration.parse(s.pause()), s.analyse()));
    }

    private static CanaryStep canaryStep(Step s) {
        return s.pause() == null ? CanaryStep.untilResumed(s.weight(), s.analyse())
                : new CanaryStep(s.weight(), Duration.parse(s.pause()), s.analyse());
    }
}
