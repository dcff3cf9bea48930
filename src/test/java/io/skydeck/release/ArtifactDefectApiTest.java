package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code /v1/sandbox/artifact-defects}: a bad version marked on the running service, which the
 * sandbox's ignition checks then fail — the brake and a person's {@code continue} through the API
 * alone. In the release package for {@link ReleaseFixtures}.
 */
@QuarkusTest
class ArtifactDefectApiTest {

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    SandboxCloud sandbox;

    @BeforeEach
    void twoServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(2);
        }
        sandbox = (SandboxCloud) providers.get("sandbox");
    }

    @Test
    void anAdminMarksReadsReplacesAndClearsADefectAndEachChangeIsAudited() {
        String artifact = "shop:" + UUID.randomUUID().toString().substring(0, 8);
        as(Tokens.admin()).body(Map.of("failingPercent", 30)).put("/v1/sandbox/artifact-defects/" + artifact)
                .then().statusCode(200).body("artifact", equalTo(artifact)).body("failingPercent", equalTo(30))
                .body("errorPercent", equalTo(0)).body("addedLatency", equalTo("PT0S"));
        // in the sandbox's own state, where its ignition checks and traffic read it
        assertThat(sandbox.traffic().defect(artifact)).contains(ArtifactDefect.failsIgnition(artifact, 30));
        assertThat(as(Tokens.admin()).get("/v1/sandbox/artifact-defects").<List<String>>path("items.artifact")).contains(artifact);
        as(Tokens.admin()).get("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(200).body("failingPercent", equalTo(30));

        as(Tokens.admin()).body(Map.of("errorPercent", 10, "addedLatency", "PT0.2S")).put("/v1/sandbox/artifact-defects/" + artifact)
                .then().statusCode(200).body("failingPercent", equalTo(0)).body("errorPercent", equalTo(10))
                .body("addedLatency", equalTo("PT0.2S"));
        assertThat(sandbox.traffic().defect(artifact)).contains(ArtifactDefect.servesErrors(artifact, 10, Duration.ofMillis(200)));

        as(Tokens.admin()).delete("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(204);
        assertThat(sandbox.traffic().defect(artifact)).isEmpty();
        as(Tokens.admin()).get("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:skydeck:problem:not-found"));
        as(Tokens.admin()).delete("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(404)
                .contentType("application/problem+json").body("detail", equalTo("artifact defect " + artifact + " does not exist"));
        assertThat(as(Tokens.admin()).get("/v1/sandbox/artifact-defects").<List<String>>path("items.artifact")).doesNotContain(artifact);

        Response trail = as(Tokens.admin()).queryParam("targetId", artifact).get("/v1/audit").then().statusCode(200).extract().response();
        assertThat(trail.<List<String>>path("items.action")).containsExactly("sandbox.artifact-defect.marked",
                "sandbox.artifact-defect.marked", "sandbox.artifact-defect.cleared");
        assertThat(trail.<List<String>>path("items.actor")).containsOnly("admin@test");
        assertThat(trail.<List<String>>path("items.targetType")).containsOnly("artifact-defect");
        assertThat(trail.<List<String>>path("items.requestId")).doesNotContainNull();
    }

    @Test
    void anArtifactNamedWithSlashesAndColonsIsOneDefect() {
        String artifact = "registry.example/shop/web:" + UUID.randomUUID().toString().substring(0, 8);
        as(Tokens.admin()).body(Map.of("failingPercent", 100)).put("/v1/sandbox/artifact-defects/" + artifact)
                .then().statusCode(200).body("artifact", equalTo(artifact));
        assertThat(sandbox.traffic().defect(artifact)).contains(ArtifactDefect.failsIgnition(artifact, 100));
        as(Tokens.admin()).delete("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(204);
        assertThat(sandbox.traffic().defect(artifact)).isEmpty();
    }

    /**
     * Two servers, a version marked to fail everywhere, batches of one, the brake at 20 %: the first
     * failure (1 of 2 = 50 %) brakes; a person continues, the second instance fails too and the
     * brake holds again (2 failed, more than the 1 acknowledged); a rollback brings both back.
     */
    @Test
    void aMarkedVersionBrakesAReleaseAndAfterContinueTheNextFailureBrakesAgain() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, "lb-" + app.substring(0, 8));
        String artifact = "shop:bad-" + UUID.randomUUID().toString().substring(0, 8);
        String version = failingEverywhere(app, "bad", artifact);

        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false, "batchSize", 1,
                "brakeRatio", 0.2));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");
        Response braked = fixtures.awaitState(id, "BRAKED", "SUCCEEDED", "ROLLED_BACK");
        assertThat(braked.<String>path("state")).isEqualTo("BRAKED");
        assertThat(braked.<String>path("reason")).isEqualTo("1 of 2 instances failed, past the brake at 20.0 %");
        assertThat(braked.<List<String>>path("instances.state")).containsExactly("FAILED", "WAITING");
        assertThat(braked.<String>path("instances[0].failure")).contains("fails its ignition check", "a defect marked in the sandbox");

        as(fixtures.token).post("/v1/releases/" + id + "/continue").then().statusCode(200).body("state", equalTo("ROLLING"));
        Response again = fixtures.awaitState(id, "BRAKED", "SUCCEEDED", "ROLLED_BACK");
        assertThat(again.<String>path("state")).isEqualTo("BRAKED");
        assertThat(again.<String>path("reason")).isEqualTo("2 of 2 instances failed, past the brake at 20.0 %");
        assertThat(again.<List<String>>path("instances.state")).containsExactly("FAILED", "FAILED");

        as(Tokens.admin()).delete("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(204);
        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(200).body("state", equalTo("ROLLING_BACK"));
        Response back = fixtures.awaitState(id, "ROLLED_BACK", "BRAKED");
        assertThat(back.<String>path("state")).isEqualTo("ROLLED_BACK");
        assertThat(back.<List<String>>path("instances.state")).containsExactly("REVERTED", "REVERTED");
    }

    /** A release may wait longer (or shorter) for its instances than the service's default; it says so and a failure names it. */
    @Test
    void aReleaseWaitsForIgnitionAsLongAsItSays() {
        String app = fixtures.application();
        String group = fixtures.group(app, 1, "lb-" + app.substring(0, 8));
        String artifact = "shop:slow-" + UUID.randomUUID().toString().substring(0, 8);
        String version = failingEverywhere(app, "slow", artifact);

        for (String bad : new String[] {"PT0.5S", "10s", "PT2H", "PT0S"}) {
            fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false, "ignitionTimeout", bad)).then()
                    .statusCode(400).contentType("application/problem+json").body("errors[0].field", equalTo("ignitionTimeout"));
        }
        long started = System.nanoTime();
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false, "brakeRatio", 0.5,
                "ignitionTimeout", "PT3S"));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<String>path("ignitionTimeout")).isEqualTo("PT3S");
        Response braked = fixtures.awaitState(accepted.path("id"), "BRAKED", "SUCCEEDED", "ROLLED_BACK");
        assertThat(braked.<String>path("state")).isEqualTo("BRAKED");
        assertThat(braked.<String>path("instances[0].failure")).startsWith("IGNITION_CHECK: not healthy within PT3S: ");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the check waited its 3 s").isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        as(Tokens.admin()).delete("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(204);
        as(fixtures.token).post("/v1/releases/" + braked.<String>path("id") + "/rollback").then().statusCode(200);
        assertThat(fixtures.awaitState(braked.path("id"), "ROLLED_BACK").<String>path("ignitionTimeout")).isEqualTo("PT3S");
    }

    /** A version of {@code app} whose artifact an admin marked to fail its ignition check on every instance. */
    private String failingEverywhere(String app, String name, String artifact) {
        as(Tokens.admin()).body(Map.of("failingPercent", 100)).put("/v1/sandbox/artifact-defects/" + artifact).then().statusCode(200);
        return as(fixtures.token).body(Map.of("name", name, "image", artifact))
                .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");
    }

    @Test
    void badMarksAreRefusedNamingTheField() {
        String path = "/v1/sandbox/artifact-defects/shop:refused";
        refused(Map.of("failingPercent", 101), path, "failingPercent");
        refused(Map.of("errorPercent", -1), path, "errorPercent");
        refused(Map.of("addedLatency", "soon"), path, "addedLatency");
        refused(Map.of("addedLatency", "PT2M"), path, "addedLatency");
        refused(Map.of(), path, "failingPercent");
        refused(Map.of("failingPercent", 0, "errorPercent", 0), path, "failingPercent");
        refused(Map.of("failingPercent", 10), "/v1/sandbox/artifact-defects/-shop", "artifact");
        assertThat(sandbox.traffic().defect("shop:refused")).isEmpty();
    }

    @Test
    void onlyAdminsMayReadOrMarkDefects() {
        String path = "/v1/sandbox/artifact-defects/shop:forbidden";
        for (String token : new String[] {Tokens.tenant(fixtures.tenant), Tokens.finance(), Tokens.scheduler()}) {
            as(token).get("/v1/sandbox/artifact-defects").then().statusCode(403).contentType("application/problem+json")
                    .body("type", equalTo("urn:skydeck:problem:forbidden"));
            as(token).get(path).then().statusCode(403);
            as(token).body(Map.of("failingPercent", 100)).put(path).then().statusCode(403);
            as(token).delete(path).then().statusCode(403);
        }
        RestAssured.given().contentType("application/json").body(Map.of("failingPercent", 100)).put(path).then().statusCode(401)
                .contentType("application/problem+json").body("type", equalTo("urn:skydeck:problem:unauthenticated"));
        RestAssured.given().get("/v1/sandbox/artifact-defects").then().statusCode(401);
        as(Tokens.expired()).delete(path).then().statusCode(401);
        assertThat(sandbox.traffic().defect("shop:forbidden")).isEmpty();
    }

    private static void refused(Map<String, Object> body, String path, String field) {
        as(Tokens.admin()).body(body).put(path).then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:validation"))
                .body("errors[0].field", equalTo(field)).body("detail", containsString(field));
    }
}
