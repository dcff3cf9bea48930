package io.skydeck.release.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalysisTest {

    final Analysis analysis = new Analysis(List.of(
            new MetricCheck("success", Metric.SUCCESS_RATE, 0.99, 100),
            new MetricCheck("latency", Metric.P99_LATENCY_MS, 250, 100),
            new MetricCheck("errors", Metric.ERROR_COUNT, 5, 0)));

    @Test
    void aVersionWithinEveryLimitSucceeds() {
        Analysis.Result r = analysis.judge(Map.of(
                Metric.SUCCESS_RATE, new Measurement(Metric.SUCCESS_RATE, 0.995, 2_000),
                Metric.P99_LATENCY_MS, new Measurement(Metric.P99_LATENCY_MS, 180, 2_000),
                Metric.ERROR_COUNT, new Measurement(Metric.ERROR_COUNT, 3, 2_000)));
        assertThat(r.verdict()).isEqualTo(Verdict.SUCCESSFUL);
        assertThat(r.checks()).extracting(CheckResult::verdict).containsOnly(Verdict.SUCCESSFUL);
    }

    @Test
    void oneCheckBeyondItsLimitFailsTheAnalysisEvenWhenAnotherIsInconclusive() {
        Analysis.Result r = analysis.judge(Map.of(
                Metric.SUCCESS_RATE, new Measurement(Metric.SUCCESS_RATE, 0.93, 2_000),
                Metric.P99_LATENCY_MS, new Measurement(Metric.P99_LATENCY_MS, 180, 20)));
        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.checks()).extracting(CheckResult::verdict)
                .containsExactly(Verdict.FAILED, Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE);
        assertThat(r.checks().get(0).why()).isEqualTo("SUCCESS_RATE 0.93 beyond ≥ 0.99");
        assertThat(r.checks().get(1).why()).isEqualTo("20 requests, fewer than the 100 this check needs");
        assertThat(r.checks().get(2).why()).isEqualTo("no measurement of ERROR_COUNT");
    }

    @Test
    void tooFewRequestsIsInconclusiveNeverAPass() {
        Analysis.Result r = analysis.judge(Map.of(
                Metric.SUCCESS_RATE, new Measurement(Metric.SUCCESS_RATE, 1.0, 99),
                Metric.P99_LATENCY_MS, new Measurement(Metric.P99_LATENCY_MS, 10, 99),
                Metric.ERROR_COUNT, new Measurement(Metric.ERROR_COUNT, 0, 99)));
        assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    void badChecksNameTheirField() {
        assertThatThrownBy(() -> new MetricCheck("s", Metric.SUCCESS_RATE, 99, 0))
                .hasMessage("checks[s].limit: a success rate is between 0 and 1, not 99.0");
        assertThatThrownBy(() -> new MetricCheck("l", Metric.P99_LATENCY_MS, Double.NaN, 0))
                .hasMessage("checks[l].limit: NaN is not a number");
        assertThatThrownBy(() -> new Analysis(List.of())).hasMessage("checks: an analysis needs at least one check");
    }
}
