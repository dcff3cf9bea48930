package io.skydeck.release.analysis;

/** One check's verdict with the value it saw and why. */
public record CheckResult(MetricCheck check, Verdict verdict, double value, long samples, String why) {
}
