package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.providers.ProviderRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Train tickets that carry more than a rolling release, over HTTP on the sandbox itself (its
 * simulated traffic is what an analysis measures): a canary ticket with an analysis, a RECREATE
 * ticket holding a degrade switch. Departures are run by hand (the scheduled job is off in tests).
 */
@QuarkusTest
class TrainGatesApiTest {

    private static final String HOURLY = "0 0 * * * ?";
    private static final Map<String, Object> SOUND_CHECKS = Map.of("source", "sandbox", "window", "PT1M", "checks", List.of(
            Map.of("metric", "success-rate", "threshold", 0.99, "minimumSamples", 100),
            Map.of("metric", "p99-latency-ms", "threshold", 200)));

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    @Inject
    TrainDepartures departures;

    SandboxCloud sandbox;

    @BeforeEach
    void fourServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(4);
        }
        sandbox = (SandboxCloud) providers.get("sandbox");
    }

    /**
     * One ISOLATED carriage: a CANARY ticket (one instance of two, then an analysis) of a version the
     * sandbox makes answer 10 % of requests with errors, and a RECREATE ticket of a sound version that
     * holds a degrade switch. The canary's analysis fails, so its release rolls back by itself and its
     * ticket alone is ROLLED_BACK; the other app is RELEASED, its switch held and given back.
     */
    @Test
    void anIsolatedCarriageRollsBackOnlyTheCanaryWhoseAnalysisFailed() {
        String line = as(fixtures.token).body(Map.of("pool", uniqueName("pool"), "cron", HOURLY, "isolation", "ISOLATED"))
                .post("/v1/trains").then().statusCode(201).extract().path("id");
        String badApp = fixtures.application();
        String badGroup = group(badApp, 0, 1);
        String artifact = "shop:errors-" + UUID.randomUUID().toString().substring(0, 8);
        sandbox.traffic().markDefective(ArtifactDefect.servesErrors(artifact, 10, Duration.ofMillis(200)));
        String badVersion = as(fixtures.token).body(Map.of("name", "bad", "image", artifact))
                .post("/v1/applications/" + badApp + "/versions").then().statusCode(201).extract().path("id");
        String goodApp = fixtures.application();
        String goodGroup = group(goodApp, 2, 3);
        String goodVersion = fixtures.version(goodApp, "v2");
        String switchName = "cache-" + UUID.randomUUID().toString().substring(0, 8);
        as(fixtures.token).body(Map.of("name", switchName, "dependency", "pricing")).post("/v1/degrade-switches").then().statusCode(201);

        Response canary = book(line, Map.of("groupId", badGroup, "versionId", badVersion, "release", Map.of("strategy", "CANARY",
                "analysis", SOUND_CHECKS, "canary", Map.of("steps", List.of(Map.of("instances", 1))))));
        assertThat(canary.<String>path("release.strategy")).isEqualTo("CANARY");
        assertThat(canary.<String>path("release.analysis.source")).isEqualTo("sandbox");
        assertThat(canary.<List<Integer>>path("release.canary.steps.instances")).containsExactly(1);
        Response recreate = book(line, Map.of("groupId", goodGroup, "versionId", goodVersion, "release", Map.of("strategy", "RECREATE",
                "degradeSwitches", List.of(switchName))));
        assertThat(recreate.<List<String>>path("release.degradeSwitches")).containsExactly(switchName);

        departures.run(Instant.parse(canary.path("departure.departsAt")));
        Response carriage = awaitCarriage(line, "PARTLY_RELEASED");

        assertThat(carriage.<List<String>>path("tickets.groupId")).containsExactly(badGroup, goodGroup);
        assertThat(carriage.<List<String>>path("tickets.state")).containsExactly("ROLLED_BACK", "RELEASED");
        assertThat(carriage.<List<String>>path("tickets.releaseState")).containsExactly("ROLLED_BACK", "SUCCEEDED");
        Response bad = release(carriage.path("tickets[0].releaseId"));
        assertThat(bad.<String>path("strategy")).isEqualTo("CANARY");
        assertThat(bad.<String>path("canary.mode")).isEqualTo("COUNT");
        assertThat(bad.<List<String>>path("analysis.runs.verdict")).containsExactly("FAILED");
        assertThat(bad.<String>path("reason")).contains("analysis of step 1 failed").endsWith("rolled back without a person");
        assertThat(bad.<List<String>>path("instances.state")).containsExactly("REVERTED", "WAITING");
        Response good = release(carriage.path("tickets[1].releaseId"));
        assertThat(good.<String>path("strategy")).isEqualTo("RECREATE");
        assertThat(good.<List<String>>path("instances.state")).containsExactly("DONE", "DONE");
        assertThat(good.<List<String>>path("degradeSwitches.name")).containsExactly(switchName);
        assertThat(good.<List<String>>path("degradeSwitches.hold")).containsExactly("RESTORED");
        Response badTicket = as(fixtures.token).get("/v1/trains/" + line + "/tickets/" + canary.path("id")).then().statusCode(200)
                .extract().response();
        // The ticket ends when the train sees its release fail: still rolling back, or already rolled back, by then.
        assertThat(badTicket.<String>path("history[-1].reason")).isIn("release " + bad.path("id") + " ended ROLLING_BACK",
                "release " + bad.path("id") + " ended ROLLED_BACK");
        sandbox.traffic().clearDefect(artifact);
    }

    @Test
    void aTwoGroupStrategyOrACanaryThatDoesNotFitTheGroupIsRefusedAtBooking() {
        String line = as(fixtures.token).body(Map.of("pool", uniqueName("pool"), "cron", HOURLY)).post("/v1/trains").then().statusCode(201)
                .extract().path("id");
        String app = fixtures.application();
        String group = group(app, 0, 1);
        String version = fixtures.version(app, "v3");
        for (String strategy : List.of("BLUE_GREEN", "DARK", "AB_TEST")) {
            refused(line, Map.of("groupId", group, "versionId", version, "release", Map.of("strategy", strategy)), "release.strategy",
                    "a carriage releases each app onto its own group");
        }
        // Three instances of a group of two.
        refused(line, Map.of("groupId", group, "versionId", version, "release", Map.of("strategy", "CANARY",
                "canary", Map.of("steps", List.of(Map.of("instances", 3))))), "release.canary.steps[0].instances", "at most 2");
        refused(line, Map.of("groupId", group, "versionId", version, "release", Map.of("strategy", "CANARY", "batchSize", 1,
                "canary", Map.of("steps", List.of(Map.of("instances", 1))))), "release.batchSize", null);
        refused(line, Map.of("groupId", group, "versionId", version, "release", Map.of("canary",
                Map.of("steps", List.of(Map.of("instances", 1))))), "release.canary", "only a CANARY release");
        refused(line, Map.of("groupId", group, "versionId", version, "release", Map.of("analysis", Map.of("source", "nowhere",
                "checks", List.of(Map.of("metric", "error-count", "threshold", 1))))), "release.analysis.source", null);
        assertThat(as(fixtures.token).get("/v1/trains/" + line + "/tickets").then().statusCode(200).extract()
                .<List<String>>path("items")).isEmpty();
    }

    // --- helpers -------------------------------------------------------------------------------

    /** A group of the servers at {@code a} and {@code b}, both in the sandbox load balancer of the group's traffic target. */
    private String group(String app, int a, int b) {
        String target = "lb-" + app.substring(0, 8);
        TrafficControl traffic = sandbox.require(TrafficControl.class);
        traffic.pullIn(new TrafficTarget("sbx-east-1", target), fixtures.providerIds.get(a));
        traffic.pullIn(new TrafficTarget("sbx-east-1", target), fixtures.providerIds.get(b));
        return as(fixtures.token).body(Map.of("name", uniqueName("web"), "serverIds", List.of(fixtures.servers.get(a).toString(),
                        fixtures.servers.get(b).toString()), "trafficTarget", target))
                .post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
    }

    private Response book(String line, Map<String, Object> body) {
        Response r = as(fixtures.token).body(new HashMap<>(body)).post("/v1/trains/" + line + "/tickets").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(201);
        return r;
    }

    private void refused(String line, Map<String, Object> body, String field, String detail) {
        Response r = as(fixtures.token).body(body).post("/v1/trains/" + line + "/tickets").then().extract().response();
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
        assertThat(r.<List<String>>path("errors.field")).as(r.asString()).contains(field);
        if (detail != null) {
            assertThat(r.<String>path("detail")).contains(detail);
        }
    }

    private Response release(String id) {
        return as(fixtures.token).get("/v1/releases/" + id).then().statusCode(200).extract().response();
    }

    /** Follows the carriages and polls departure 1 until its state is {@code state}; fails after 60 s. */
    private Response awaitCarriage(String line, String state) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            departures.follow();
            Response r = as(fixtures.token).get("/v1/trains/" + line + "/departures/1").then().statusCode(200).extract().response();
            if (state.equals(r.path("state"))) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("carriage 1 did not reach " + state + " in 60 s: " + r.asString());
            }
            ReleaseFixtures.sleep(100);
        }
    }
}
