package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxLoadBalancer;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.providers.ProviderRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Canaries and analysis over HTTP on the sandbox: its load balancer weighs the traffic, and its
 * simulated traffic (deterministic per instance and artifact, with bad versions marked by
 * {@link ArtifactDefect}) is what the analyses measure. A sound artifact answers at most 0.04 % of
 * its requests with errors and has a p99 of 80–120 ms; one marked to serve 10 % errors fails a
 * success-rate check at 0.99 on every instance it runs on.
 */
@QuarkusTest
class CanaryReleaseTest {

    private static final String EAST = "sbx-east-1";
    private static final Map<String, Object> SOUND_CHECKS = Map.of("source", "sandbox", "window", "PT1M", "checks", List.of(
            Map.of("metric", "success-rate", "threshold", 0.99, "minimumSamples", 100),
            Map.of("metric", "p99-latency-ms", "threshold", 200),
            Map.of("metric", "error-count", "threshold", 50)));

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    SandboxCloud sandbox;

    @BeforeEach
    void fourServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(4);
        }
        sandbox = (SandboxCloud) providers.get("sandbox");
    }

    @Test
    void aCanaryByWeightStepsThroughItsWeightsWithAnAnalysisEachAndPromotes() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 4);
        String group = fixtures.group(app, 4, target);
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "strategy", "canary",
                "parallelism", 3, "analysis", SOUND_CHECKS, "canary", Map.of("steps", List.of(
                        Map.of("weight", 10, "pause", "PT0.3S"), Map.of("weight", 50, "pause", "PT0.3S")))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");
        assertThat(accepted.<String>path("canary.mode")).isEqualTo("WEIGHT");
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsExactly(0, 1, 1, 1);

        Response done = fixtures.awaitState(id, "SUCCEEDED");

        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        List<Map<String, Object>> runs = done.path("analysis.runs");
        assertThat(runs).extracting(r -> r.get("verdict")).containsExactly("SUCCESSFUL", "SUCCESSFUL");
        assertThat(runs).extracting(r -> r.get("step")).containsExactly(0, 1);
        // Each analysis measured the one canary instance: 20–30 requests a second over a minute.
        assertThat(runs).extracting(r -> r.get("instances")).containsOnly(1);
        List<Map<String, Object>> checks = done.path("analysis.runs[0].checks");
        assertThat(checks).extracting(c -> c.get("verdict")).containsOnly("SUCCESSFUL");
        assertThat(((Number) checks.get(0).get("samples")).longValue()).isBetween(20L * 60, 30L * 60);
        List<String> weights = fixtures.events(id).stream().filter(e -> "CANARY_WEIGHT".equals(e.get("to")))
                .map(e -> (String) e.get("reason")).toList();
        assertThat(weights).containsExactly("10 % of the traffic to 1 canary instance(s)", "50 % of the traffic to 1 canary instance(s)",
                "100 % of the traffic to 1 canary instance(s)", "100 % of the traffic to 4 instances, all on the new version",
                "100 % of the traffic to 4 instances, all on the new version");
        SandboxLoadBalancer lb = loadBalancer(target);
        assertThat(lb.split()).contains(new SandboxLoadBalancer.WeightedSplit(fixtures.providerIds.subList(0, 4), 100));
        assertThat(lb.members()).containsExactlyInAnyOrderElementsOf(fixtures.providerIds.subList(0, 4));
        for (String instance : fixtures.providerIds.subList(0, 4)) {
            assertThat(artifactOf(instance)).isEqualTo("shop:v2");
        }
    }

    @Test
    void aCanaryOfABadVersionFailsItsAnalysisAndRollsBackByItself() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 4);
        String group = fixtures.group(app, 4, target);
        String artifact = "shop:errors-" + UUID.randomUUID();
        sandbox.traffic().markDefective(ArtifactDefect.servesErrors(artifact, 10, Duration.ofMillis(200)));
        String version = as(fixtures.token).body(Map.of("name", "bad", "image", artifact))
                .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");

        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "strategy", "CANARY",
                "analysis", SOUND_CHECKS, "canary", Map.of("steps", List.of(Map.of("weight", 20), Map.of("weight", 60)))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response rolledBack = fixtures.awaitState(id, "ROLLED_BACK");

        assertThat(rolledBack.<List<String>>path("instances.state")).containsExactly("REVERTED", "WAITING", "WAITING", "WAITING");
        assertThat(rolledBack.<String>path("reason")).startsWith("batch 0: analysis of step 1 failed: success-rate: SUCCESS_RATE 0.")
                .contains("beyond ≥ 0.99").endsWith("rolled back without a person");
        List<Map<String, Object>> runs = rolledBack.path("analysis.runs");
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).get("verdict")).isEqualTo("FAILED");
        List<Map<String, Object>> checks = rolledBack.path("analysis.runs[0].checks");
        // 10 % errors: a success rate near 0.9; the p99 grew by 200 ms to 280–320 ms, past 200.
        assertThat(checks).extracting(c -> c.get("verdict")).containsExactly("FAILED", "FAILED", "FAILED");
        assertThat(((Number) checks.get(0).get("value")).doubleValue()).isBetween(0.899, 0.9);
        assertThat(((Number) checks.get(1).get("value")).doubleValue()).isBetween(280.0, 320.0);
        // The canary's traffic went to 0 while it still ran the new version; restored to what it ran before the group had a
        // version (its image), it takes its share again: the split is over.
        assertThat(artifactOf(fixtures.providerIds.get(0))).isEqualTo("debian-12");
        awaitSplitEnded(target);
        List<Map<String, Object>> events = fixtures.events(id);
        assertThat(events).extracting(e -> e.get("to")).containsSubsequence("CANARY_WEIGHT", "ANALYSIS_FAILED", "CANARY_WEIGHT",
                "ROLLING_BACK", "ROLLED_BACK", "CANARY_WEIGHT");
        assertThat(events).noneMatch(e -> "50 % of the traffic to 1 canary instance(s)".equals(e.get("reason")));
        sandbox.traffic().clearDefect(artifact);
    }

    /**
     * Steps by instance count (1, then 2 of 3) with a check that asks for ten million requests: a
     * minute of one instance is at most 1,800, so every analysis is inconclusive. The release
     * pauses and stays paused — nothing of the next batch starts — until a person resumes it.
     */
    @Test
    void anInconclusiveAnalysisPausesAndNothingPromotesUntilAPersonResumes() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 3);
        String group = fixtures.group(app, 3, target);
        Map<String, Object> starved = Map.of("source", "sandbox", "checks", List.of(
                Map.of("metric", "success-rate", "threshold", 0.99, "minimumSamples", 10_000_000)));
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v3"), "strategy", "CANARY",
                "analysis", starved, "canary", Map.of("steps", List.of(Map.of("instances", 1), Map.of("instances", 2)))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response paused = fixtures.awaitState(id, "PAUSED");
        assertThat(paused.<String>path("reason")).contains("inconclusive").contains("fewer than the 10000000 this check needs");
        ReleaseFixtures.sleep(1_000);
        Response still = fixtures.awaitState(id, "PAUSED");
        assertThat(still.<List<String>>path("instances.state")).containsExactly("DONE", "WAITING", "WAITING");
        assertThat(still.<List<String>>path("analysis.runs.verdict")).containsExactly("INCONCLUSIVE");

        as(fixtures.token).post("/v1/releases/" + id + "/resume").then().statusCode(200);
        Response second = fixtures.awaitState(id, "PAUSED");
        // The person let step 1 go on; step 2's analysis is inconclusive again and holds the release once more.
        assertThat(second.<List<String>>path("instances.state")).containsExactly("DONE", "DONE", "WAITING");
        assertThat(second.<List<String>>path("analysis.runs.verdict")).containsExactly("INCONCLUSIVE", "INCONCLUSIVE");

        as(fixtures.token).post("/v1/releases/" + id + "/resume").then().statusCode(200);
        Response done = fixtures.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        assertThat(fixtures.events(id)).filteredOn(e -> "GATE_RESUMED".equals(e.get("to"))).hasSize(2);
    }

    /** A step whose pause has no end holds the release until a person resumes it; then the step's analysis runs. */
    @Test
    void anIndefinitePauseHoldsUntilAPersonResumesAndThenAnalyses() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 2);
        String group = fixtures.group(app, 2, target);
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v4"), "strategy", "CANARY",
                "analysis", SOUND_CHECKS, "canary", Map.of("steps", List.of(Map.of("instances", 1, "pause", "indefinite")))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response held = fixtures.awaitState(id, "PAUSED");
        assertThat(held.<String>path("reason")).contains("until a person resumes it");
        assertThat(held.<List<Object>>path("analysis.runs")).isEmpty();
        assertThat(held.<String>path("canary.gate.canaryState")).isEqualTo("HELD");

        as(fixtures.token).post("/v1/releases/" + id + "/resume").then().statusCode(200);

        Response done = fixtures.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("analysis.runs.verdict")).containsExactly("SUCCESSFUL");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
    }

    /** A person rolls back a canary held at 30 %: its instance gets the old version back and its traffic goes back to 0. */
    @Test
    void aPersonsRollbackOfAHeldCanaryTakesItsWeightBackToZero() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 3);
        String group = fixtures.group(app, 3, target);
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v7"), "strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("weight", 30, "pause", "indefinite"), Map.of("weight", 60)))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");
        Response held = fixtures.awaitState(id, "PAUSED");
        assertThat(held.<Integer>path("canary.gate.weight")).isEqualTo(30);
        assertThat(loadBalancer(target).split()).contains(new SandboxLoadBalancer.WeightedSplit(List.of(fixtures.providerIds.get(0)), 30));

        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(200);

        Response rolledBack = fixtures.awaitState(id, "ROLLED_BACK");
        assertThat(rolledBack.<List<String>>path("instances.state")).containsExactly("REVERTED", "WAITING", "WAITING");
        assertThat(artifactOf(fixtures.providerIds.get(0))).isEqualTo("debian-12");
        awaitSplitEnded(target);
        Response settled = as(fixtures.token).get("/v1/releases/" + id).then().statusCode(200).extract().response();
        assertThat(settled.<Integer>path("canary.gate.weight")).isZero();
        assertThat(settled.<Boolean>path("canary.gate.splitEnded")).isTrue();
        assertThat(fixtures.events(id)).filteredOn(e -> "CANARY_WEIGHT".equals(e.get("to"))).extracting(e -> e.get("reason"))
                .containsExactly("30 % of the traffic to 1 canary instance(s)",
                        "0 % of the traffic to the canary instance(s): the release rolls back",
                        "the split ends: the restored canary instance(s) take their share of the traffic again");
    }

    /** ROLLING, no bastion, batches of 2: the analysis after the first batch fails, and the release rolls back without a person. */
    @Test
    void aRollingReleaseWhoseAnalysisFailsAfterABatchRollsBack() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 4);
        String group = fixtures.group(app, 4, target);
        String artifact = "shop:slow-" + UUID.randomUUID();
        sandbox.traffic().markDefective(ArtifactDefect.servesErrors(artifact, 0, Duration.ofMillis(400)));
        String version = as(fixtures.token).body(Map.of("name", "slow", "image", artifact))
                .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");

        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false, "batchSize", 2,
                "analysis", SOUND_CHECKS));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response rolledBack = fixtures.awaitState(id, "ROLLED_BACK");

        assertThat(rolledBack.<List<String>>path("instances.state")).containsExactly("REVERTED", "REVERTED", "WAITING", "WAITING");
        assertThat(rolledBack.<List<Integer>>path("analysis.runs.batch")).containsExactly(0);
        assertThat(rolledBack.<List<String>>path("analysis.runs.verdict")).containsExactly("FAILED");
        // Errors are sound (success rate and count pass); the p99 of 480–520 ms is what fails.
        assertThat(rolledBack.<List<String>>path("analysis.runs[0].checks.verdict")).containsExactly("SUCCESSFUL", "FAILED", "SUCCESSFUL");
        assertThat(rolledBack.<String>path("reason")).contains("p99-latency-ms");
        sandbox.traffic().clearDefect(artifact);
    }

    /** With the bastion, the analysis runs once a person approves (the bastion served traffic through the bake), then after each batch. */
    @Test
    void aRollingReleaseAnalysesTheBastionWhenApprovedAndEachBatchAfter() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 3);
        String group = fixtures.group(app, 3, target);
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v5"), "batchSize", 1,
                "analysis", SOUND_CHECKS));
        String id = accepted.path("id");
        fixtures.awaitState(id, "BAKING");
        as(fixtures.token).post("/v1/releases/" + id + "/pull-in-bastion").then().statusCode(200);
        fixtures.awaitState(id, "BAKING");
        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(200).body("state", equalTo("HOLDING"));

        Response done = fixtures.awaitState(id, "SUCCEEDED");

        assertThat(done.<List<Integer>>path("analysis.runs.batch")).containsExactly(0, 1, 2);
        assertThat(done.<List<Integer>>path("analysis.runs.instances")).containsExactly(1, 2, 3);
        assertThat(done.<List<String>>path("analysis.runs.verdict")).containsOnly("SUCCESSFUL");
    }

    @Test
    void badCanariesAndAnalysesAreRefusedNamingTheField() {
        String app = fixtures.application();
        String noTarget = fixtures.group(app, 2, null);
        String v = fixtures.version(app, "v6");
        Response unweighable = fixtures.release(Map.of("groupId", noTarget, "versionId", v, "strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("weight", 10)))));
        assertThat(unweighable.statusCode()).as(unweighable.asString()).isEqualTo(422);
        assertThat(unweighable.<String>path("detail")).contains("traffic target (none)").contains("cannot weigh traffic");

        String app2 = fixtures.application();
        String group = fixtures.group(app2, 2, "lb-" + app2.substring(0, 8));
        String v2 = fixtures.version(app2, "v6");
        fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "CANARY")).then().statusCode(400)
                .body("errors[0].field", equalTo("canary"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "CANARY", "canary", Map.of("steps", List.of(
                Map.of("weight", 10), Map.of("instances", 2))))).then().statusCode(400).body("errors[0].field", equalTo("canary.steps[1]"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "CANARY", "canary", Map.of("steps", List.of(
                Map.of("weight", 50), Map.of("weight", 20))))).then().statusCode(400)
                .body("errors[0].field", equalTo("canary.steps[1].weight"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "CANARY", "batchSize", 2, "canary", Map.of("steps",
                List.of(Map.of("instances", 1))))).then().statusCode(400).body("errors[0].field", equalTo("batchSize"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "analysis", Map.of("source", "prometheus", "checks", List.of(
                Map.of("metric", "success-rate", "threshold", 0.99, "query", "up"))))).then().statusCode(400)
                .body("errors[0].field", equalTo("analysis.source")).body("detail", containsString("prometheus-url"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "analysis", Map.of("source", "sandbox", "checks", List.of(
                Map.of("metric", "success-rate", "threshold", 1.5))))).then().statusCode(400)
                .body("errors[0].field", equalTo("analysis.checks[0].threshold"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "analysis", Map.of("source", "sandbox", "checks", List.of(
                Map.of("metric", "latency", "threshold", 1))))).then().statusCode(400)
                .body("errors[0].field", equalTo("analysis.checks[0].metric"));
    }

    private void inTraffic(String target, int count) {
        TrafficControl traffic = sandbox.require(TrafficControl.class);
        for (int i = 0; i < count; i++) {
            traffic.pullIn(new TrafficTarget(EAST, target), fixtures.providerIds.get(i));
        }
    }

    private SandboxLoadBalancer loadBalancer(String target) {
        Optional<SandboxLoadBalancer> lb = sandbox.traffic().loadBalancer(new TrafficTarget(EAST, target));
        return lb.orElseThrow();
    }

    private String artifactOf(String instance) {
        return sandbox.traffic().measure(List.of(instance), Duration.ofSeconds(1)).get(0).artifact();
    }

    /** The rolled-back canary's split ends in the driver's turn after ROLLED_BACK; waits for it, 30 s at most. */
    private void awaitSplitEnded(String target) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (loadBalancer(target).split().isPresent()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the canary's split did not end: " + loadBalancer(target).split());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
