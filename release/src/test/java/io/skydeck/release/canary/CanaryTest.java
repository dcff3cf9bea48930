package io.skydeck.release.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.skydeck.release.analysis.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CanaryTest {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    static final List<CanaryStep> STEPS = List.of(
            new CanaryStep(10, Duration.ofMinutes(5), true),
            new CanaryStep(50, Duration.ofMinutes(10), false),
            new CanaryStep(80, Duration.ofMinutes(5), true));

    /** Drives the canary with each analysis answering the next verdict; returns the weights the target was given. */
    static List<Integer> drive(Canary c, List<Verdict> verdicts) {
        List<Integer> weights = new ArrayList<>();
        Instant now = T0;
        int analyses = 0;
        for (int i = 0; i < 100; i++) {
            CanaryAction a = c.next(now);
            if (a instanceof CanaryAction.SetWeight w) {
                weights.add(w.percent());
                c.weightSet(w.percent(), now);
            } else if (a instanceof CanaryAction.WaitUntil w) {
                now = w.until();
            } else if (a instanceof CanaryAction.Analyse an) {
                c.analysed(an.step(), verdicts.get(analyses++), "success rate 0.97 < 0.99");
            } else {
                break;
            }
        }
        return weights;
    }

    @Test
    void stepsRiseThroughTheirPausesAndAnalysesToPromotion() {
        Canary c = Canary.start(STEPS);
        assertThat(drive(c, List.of(Verdict.SUCCESSFUL, Verdict.SUCCESSFUL))).containsExactly(10, 50, 80, 100);
        assertThat(c.state()).isEqualTo(CanaryState.PROMOTED);
    }

    @Test
    void aFailedAnalysisRollsTheTrafficBackByItself() {
        Canary c = Canary.start(STEPS);
        assertThat(drive(c, List.of(Verdict.SUCCESSFUL, Verdict.FAILED))).containsExactly(10, 50, 80, 0);
        assertThat(c.state()).isEqualTo(CanaryState.ROLLED_BACK);
        assertThat(c.reason()).isEqualTo("analysis of step 3 failed: success rate 0.97 < 0.99");
    }

    @Test
    void anInconclusiveAnalysisPausesForAPersonAndNeverPromotes() {
        Canary c = Canary.start(STEPS);
        assertThat(drive(c, List.of(Verdict.INCONCLUSIVE))).containsExactly(10);
        assertThat(c.state()).isEqualTo(CanaryState.PAUSED);
        assertThat(c.next(T0.plus(Duration.ofDays(1)))).isInstanceOf(CanaryAction.AwaitPerson.class);
        assertThat(c.weight()).as("held where it was").isEqualTo(10);
        c.proceed();
        assertThat(drive(c, List.of(Verdict.SUCCESSFUL))).containsExactly(50, 80, 100);
        assertThat(c.state()).isEqualTo(CanaryState.PROMOTED);
    }

    @Test
    void aStoredCanaryResumesWhereItStood() {
        Canary c = Canary.start(STEPS);
        c.weightSet(10, T0);
        Canary resumed = Canary.restore(STEPS, c.state(), c.step(), c.waitUntil(), c.reason());
        assertThat(resumed.next(T0.plus(Duration.ofMinutes(1)))).isEqualTo(new CanaryAction.WaitUntil(T0.plus(Duration.ofMinutes(5))));
        assertThat(resumed.next(T0.plus(Duration.ofMinutes(5)))).isEqualTo(new CanaryAction.Analyse(0));
        // A late report of a weight already left behind changes nothing.
        resumed.weightSet(10, T0.plus(Duration.ofMinutes(6)));
        assertThat(resumed.state()).isEqualTo(CanaryState.ANALYSING);
    }

    @Test
    void stepsMustRise() {
        assertThatThrownBy(() -> Canary.start(List.of(new CanaryStep(50, Duration.ZERO, false), new CanaryStep(20, Duration.ZERO, false))))
                .hasMessage("steps.weightPercent: weights must rise step by step; 20 follows 50");
        assertThatThrownBy(() -> new CanaryStep(0, Duration.ZERO, false)).hasMessage("steps.weightPercent: 0 is outside 1..100");
    }

    @Test
    void aStepWithoutEndHoldsForAPersonAndThenAnalyses() {
        Canary c = Canary.start(List.of(CanaryStep.untilResumed(20, true), new CanaryStep(60, Duration.ZERO, false)));
        assertThat(drive(c, List.of())).containsExactly(20);
        assertThat(c.state()).isEqualTo(CanaryState.HELD);
        assertThat(c.next(T0.plus(Duration.ofDays(30)))).isEqualTo(new CanaryAction.AwaitPerson("step 1 holds at 20 % until a person resumes it"));

        c.proceed();

        assertThat(c.next(T0)).isEqualTo(new CanaryAction.Analyse(0));
        c.analysed(0, Verdict.SUCCESSFUL, "fine");
        assertThat(drive(c, List.of())).containsExactly(60, 100);
        assertThat(c.state()).isEqualTo(CanaryState.PROMOTED);
    }

    @Test
    void aHeldStepWithoutAnalysisGoesOnToTheNextStepWhenResumed() {
        Canary c = Canary.start(List.of(CanaryStep.untilResumed(20, false), new CanaryStep(60, Duration.ZERO, false)));
        drive(c, List.of());
        assertThatThrownBy(() -> c.pause("again")).isInstanceOf(IllegalStateException.class);

        c.proceed();

        assertThat(c.step()).isEqualTo(1);
        assertThat(c.next(T0)).isEqualTo(new CanaryAction.SetWeight(60));
    }
}
