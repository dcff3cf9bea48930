package io.skydeck.release;

/**
 * Where a release's gate stands, as stored ({@code app_release.gate}) with the rollout's snapshot
 * in the same fenced write: the batch the release holds after, the {@link io.skydeck.release.canary.Canary}
 * machine's state, step, pause end (ISO-8601 instant, or null) and reason, and the weight last set
 * on the traffic target (what a rollback takes back to 0), and whether the split is over: after a
 * rollback has restored the canary instances they take their share of the traffic again.
 */
public record GateState(int batch, String canaryState, int step, String waitUntil, String reason, int weight, boolean splitEnded) {
}
