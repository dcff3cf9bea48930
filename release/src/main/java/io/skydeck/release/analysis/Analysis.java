package io.skydeck.release.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Judges a version by its checks; the analysis's verdict is the worst of theirs. */
public final class Analysis {

    /** The verdict and every check's result, in the checks' order. */
    public record Result(Verdict verdict, List<CheckResult> checks) {
        public Result {
            checks = List.copyOf(checks);
        }
    }

    private final List<MetricCheck> checks;

    public Analysis(List<MetricCheck> checks) {
        if (checks.isEmpty()) {
            throw new IllegalArgumentException("checks: an analysis needs at least one check");
        }
        this.checks = List.copyOf(checks);
    }

    public Result judge(Map<Metric, Measurement> measured) {
        Verdict verdict = Verdict.SUCCESSFUL;
        List<CheckResult> results = new ArrayList<>(checks.size());
        for (MetricCheck check : checks) {
            CheckResult r = check.judge(measured.get(check.metric()));
            results.add(r);
            verdict = verdict.and(r.verdict());
        }
        return new Result(verdict, results);
    }
}
