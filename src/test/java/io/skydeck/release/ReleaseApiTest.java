package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * Releases over HTTP against the database, on the sandbox's servers with {@link ReleaseTestCloud}'s
 * load balancer and installs: the Tars flow, the brake, continue and rollback, isolation, bad input.
 */
@QuarkusTest
class ReleaseApiTest {

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    ReleaseTestCloud cloud;
    CloudProvider sandbox;

    @BeforeEach
    void tenServersAndTheTestCloud() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(10);
        }
        sandbox = providers.get("sandbox");
        cloud = new ReleaseTestCloud(sandbox, true);
        providers.replace(cloud);
    }

    @AfterEach
    void putTheSandboxBack() {
        providers.replace(sandbox);
    }

    @Test
    void aRollingReleaseSmokesBakesAndRollsToSucceeded() {
        String app = fixtures.application();
        String group = fixtures.group(app, 5, "lb-shop");
        String v2 = fixtures.version(app, "v2");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "ROLLING", "batchSize", 2,
                "parallelism", 2, "brakeRatio", 0.2));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.header("Location")).endsWith("/v1/releases/" + accepted.path("id"));
        assertThat(accepted.<String>path("state")).isEqualTo("SMOKING");
        assertThat(accepted.<List<String>>path("instances.state")).containsExactly("UPDATING", "WAITING", "WAITING", "WAITING", "WAITING");
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsExactly(0, 1, 1, 2, 2);
        assertThat(accepted.<String>path("trafficControl")).isNull();
        String id = accepted.path("id");

        // Smoke: the bastion is out of traffic, has the version (its sum handed to the install), and waits for a person.
        Response baking = fixtures.awaitState(id, "BAKING");
        assertThat(baking.<List<String>>path("instances.state")).containsExactly("VERIFIED", "WAITING", "WAITING", "WAITING", "WAITING");
        String bastion = fixtures.providerIds.get(0);
        assertThat(cloud.out).containsExactly(bastion);
        assertThat(cloud.installsOf(bastion)).containsExactly("shop:v2 sha256=" + ReleaseFixtures.sha("v2"));

        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(409)
                .contentType("application/problem+json").body("type", equalTo("urn:skydeck:problem:conflict"))
                .body("detail", containsString("pull the bastion into traffic and watch it before approving"));
        as(fixtures.token).post("/v1/releases/" + id + "/pull-in-bastion").then().statusCode(200).body("state", equalTo("BAKING"));
        Response watched = fixtures.awaitState(id, "BAKING");
        assertThat(watched.<String>path("instances[0].state")).isEqualTo("DONE");
        assertThat(cloud.out).isEmpty();

        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(200).body("state", equalTo("ROLLING"));
        Response done = fixtures.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        assertThat(done.<String>path("finishedAt")).isNotNull();
        assertThat(cloud.out).isEmpty();
        for (int i = 0; i < 5; i++) {
            String instance = fixtures.providerIds.get(i);
            assertThat(cloud.installsOf(instance)).as("installs of instance " + i).hasSize(1);
            // Out before the install, in only after the ignition check passed.
            List<String> order = cloud.calls.stream().filter(c -> c.instance().equals(instance)).map(ReleaseTestCloud.Call::what).toList();
            assertThat(order).containsExactly("pullOut", "install", "health", "pullIn");
        }
        // Batches in order: nothing of batch 2 ran before batch 1 had settled.
        int lastOfBatch1 = lastCall(fixtures.providerIds.get(1), fixtures.providerIds.get(2));
        int firstOfBatch2 = firstCall(fixtures.providerIds.get(3), fixtures.providerIds.get(4));
        assertThat(firstOfBatch2).isGreaterThan(lastOfBatch1);

        as(fixtures.token).get("/v1/applications/" + app + "/groups/" + group).then().statusCode(200).body("currentVersionId", equalTo(v2));
        List<Map<String, Object>> events = fixtures.events(id);
        assertThat(events.stream().filter(e -> e.get("instance") == null).map(e -> (String) e.get("to")).toList())
                .containsExactly("SMOKING", "BAKING", "ROLLING", "SUCCEEDED");
        List<String> actions = as(Tokens.admin()).queryParam("tenantId", fixtures.tenant.toString()).queryParam("targetId", id)
                .queryParam("limit", 100).get("/v1/audit").then().statusCode(200).extract().path("items.action");
        assertThat(actions).contains("release.created", "release.baking", "release.pull-in-bastion", "release.approve", "release.succeeded");

        // The stream replays every event and ends, the release being finished.
        String stream = as(fixtures.token).accept("text/event-stream").get("/v1/releases/" + id + "/stream")
                .then().statusCode(200).extract().asString();
        assertThat(stream).contains("\"to\":\"SUCCEEDED\"").contains("\"to\":\"BAKING\"");
    }

    /**
     * The issue's brake: 10 instances in batches of 4 (2 at a time), the brake at 20 %, the version
     * failing on 3 of them (positions 1, 5 and 6). Batch 0 has one failure (1 of 10, below); the
     * second failure of batch 1 makes 3 of 10 > 2 — the brake holds inside batch 1, and batch 2
     * (positions 8 and 9) never starts.
     */
    @Test
    void aVersionFailingOnThirtyPercentBrakesInsideTheBatchThatCrossesTheRatio() {
        String id = brakedRelease();
        Response braked = fixtures.awaitState(id, "BRAKED");
        assertThat(braked.<Integer>path("failed")).isEqualTo(3);
        assertThat(braked.<String>path("reason")).contains("3 of 10 instances failed");
        List<String> states = braked.path("instances.state");
        assertThat(states.subList(8, 10)).containsOnly("WAITING");
        assertThat(states.get(1)).isEqualTo("FAILED");
        assertThat(states.get(5)).isEqualTo("FAILED");
        assertThat(states.get(6)).isEqualTo("FAILED");
        assertThat(braked.<String>path("instances[5].failure")).contains("IGNITION_CHECK").contains("does not start");
        assertThat(cloud.installsOf(fixtures.providerIds.get(8))).isEmpty();
        assertThat(cloud.installsOf(fixtures.providerIds.get(9))).isEmpty();
        // Failed instances stay out of traffic.
        assertThat(cloud.out).containsExactlyInAnyOrderElementsOf(fixtures.providerIdsAt(1, 5, 6));

        List<Map<String, Object>> events = fixtures.events(id);
        long brakeSeq = events.stream().filter(e -> "BRAKED".equals(e.get("to"))).mapToLong(e -> ((Number) e.get("seq")).longValue())
                .findFirst().orElseThrow();
        assertThat(events.stream().filter(e -> "UPDATING".equals(e.get("to")) && ((Number) e.get("seq")).longValue() > brakeSeq))
                .as("instances started after the brake").isEmpty();
        Set<String> started = events.stream().filter(e -> "UPDATING".equals(e.get("to"))).map(e -> (String) e.get("instance"))
                .collect(Collectors.toSet());
        assertThat(started).doesNotContain(fixtures.servers.get(8).toString(), fixtures.servers.get(9).toString());

        // A person looks and lets it go on: the rest rolls, the brake's failures stay failed.
        as(fixtures.token).post("/v1/releases/" + id + "/continue").then().statusCode(200).body("state", equalTo("ROLLING"));
        Response done = fixtures.awaitState(id, "SUCCEEDED");
        List<Map<String, Object>> after = fixtures.events(id);
        assertThat(after.get(after.size() - 1)).containsEntry("to", "SUCCEEDED")
                .containsEntry("reason", "3 of 10 instances failed, below the brake");
        assertThat(after.stream().filter(e -> "ROLLING".equals(e.get("to")) && "BRAKED".equals(e.get("from"))).findFirst().orElseThrow())
                .containsEntry("reason", "continued after the brake with 3 failed").containsEntry("actor", "user@" + fixtures.tenant);
        assertThat(done.<List<String>>path("instances.state").subList(8, 10)).containsOnly("DONE");
    }

    @Test
    void aBrakedReleaseRollsBackEveryInstanceItChanged() {
        String id = brakedRelease();
        fixtures.awaitState(id, "BRAKED");
        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(200).body("state", equalTo("ROLLING_BACK"));
        Response back = fixtures.awaitState(id, "ROLLED_BACK");
        List<String> states = back.path("instances.state");
        assertThat(states.subList(8, 10)).containsOnly("WAITING");
        assertThat(states.subList(0, 8)).containsOnly("REVERTED");
        for (int i = 0; i < 8; i++) {
            // The group had no version before: the servers' own image comes back.
            assertThat(cloud.installsOf(fixtures.providerIds.get(i))).as("instance " + i).last().asString().startsWith("debian-12");
        }
        assertThat(cloud.out).isEmpty();
        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(409)
                .body("detail", equalTo("a ROLLED_BACK release cannot be rolled back"));
    }

    @Test
    void aProviderWithoutTrafficControlSaysSoAndReleasesWithoutPullingOut() {
        providers.replace(sandbox);
        cloud = new ReleaseTestCloud(sandbox, false);
        providers.replace(cloud);
        String app = fixtures.application();
        String group = fixtures.group(app, 3, "lb-shop");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "bastion", false,
                "batchSize", 3));
        assertThat(accepted.statusCode()).isEqualTo(202);
        assertThat(accepted.<String>path("trafficControl")).isEqualTo("no traffic control on this provider");
        fixtures.awaitState(accepted.path("id"), "SUCCEEDED");
        assertThat(cloud.calls).noneMatch(c -> c.what().startsWith("pull"));
        assertThat(cloud.calls.stream().filter(c -> c.what().equals("install"))).hasSize(3);
    }

    @Test
    void aTenantSeesAndReleasesOnlyItsOwn() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, "lb");
        String version = fixtures.version(app, "v2");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false));
        String id = accepted.path("id");
        fixtures.awaitState(id, "SUCCEEDED");

        String other = Tokens.tenant(io.skydeck.support.Api.createTenant(io.skydeck.support.Api.uniqueName("other")));
        as(other).get("/v1/applications/" + app).then().statusCode(404);
        as(other).get("/v1/applications/" + app + "/groups").then().statusCode(404);
        as(other).get("/v1/applications/" + app + "/groups/" + group).then().statusCode(404);
        as(other).get("/v1/applications/" + app + "/versions").then().statusCode(404);
        as(other).body(Map.of("name", "x", "image", "y")).post("/v1/applications/" + app + "/versions").then().statusCode(404);
        as(other).body(Map.of("name", "x", "serverIds", List.of(fixtures.servers.get(0).toString())))
                .post("/v1/applications/" + app + "/groups").then().statusCode(404);
        as(other).body(Map.of("groupId", group, "versionId", version)).post("/v1/releases").then().statusCode(404)
                .body("detail", containsString("release group"));
        as(other).get("/v1/releases/" + id).then().statusCode(404);
        as(other).get("/v1/releases/" + id + "/events").then().statusCode(404);
        as(other).accept("text/event-stream").get("/v1/releases/" + id + "/stream").then().statusCode(404);
        for (String action : List.of("approve", "pull-in-bastion", "pause", "resume", "continue", "rollback", "abort")) {
            as(other).post("/v1/releases/" + id + "/" + action).then().statusCode(404);
        }
        assertThat(as(other).get("/v1/releases").then().statusCode(200).extract().<List<String>>path("items.id")).isEmpty();
        assertThat(as(other).get("/v1/applications").then().statusCode(200).extract().<List<String>>path("items.id")).isEmpty();
        // A tenant's group may not take another tenant's servers either.
        String otherApp = as(other).body(Map.of("name", "theirs")).post("/v1/applications").then().statusCode(201).extract().path("id");
        as(other).body(Map.of("name", "x", "serverIds", List.of(fixtures.servers.get(0).toString())))
                .post("/v1/applications/" + otherApp + "/groups").then().statusCode(400).body("errors.field", hasItem("serverIds[0]"));
        assertThat(as(fixtures.token).get("/v1/releases").then().statusCode(200).extract().<List<String>>path("items.id")).contains(id);
    }

    @Test
    void badInputIsA400NamingTheField() {
        String app = fixtures.application();
        String group = fixtures.group(app, 3, null);
        String version = fixtures.version(app, "v2");
        expectField(Map.of("versionId", version), "groupId");
        expectField(Map.of("groupId", group), "versionId");
        expectField(Map.of("groupId", group, "versionId", version, "strategy", "CANARY"), "canary");
        expectField(Map.of("groupId", group, "versionId", version, "strategy", "teleport"), "strategy");
        expectField(Map.of("groupId", group, "versionId", version, "batchSize", 0), "batchSize");
        expectField(Map.of("groupId", group, "versionId", version, "batchSize", 1, "batchPercent", 10), "batchPercent");
        expectField(Map.of("groupId", group, "versionId", version, "parallelism", 0), "parallelism");
        expectField(Map.of("groupId", group, "versionId", version, "brakeRatio", 1.5), "brakeRatio");
        expectField(Map.of("groupId", group, "versionId", version, "onlineMinimum", 0.9), "onlineMinimum");
        as(fixtures.token).body(Map.of("groupId", group, "versionId", "nope")).post("/v1/releases").then().statusCode(400);

        as(fixtures.token).body(Map.of("name", "v3", "packageUrl", "https://p.example/a.tgz", "sha256", "abc"))
                .post("/v1/applications/" + app + "/versions").then().statusCode(400).body("errors.field", hasItem("sha256"));
        as(fixtures.token).body(Map.of("name", "v3")).post("/v1/applications/" + app + "/versions").then().statusCode(400)
                .body("errors.field", hasItem("image"));
        as(fixtures.token).body(Map.of("name", "v3", "packageUrl", "ftp:/x", "sha256", ReleaseFixtures.sha("x")))
                .post("/v1/applications/" + app + "/versions").then().statusCode(400).body("errors.field", hasItem("packageUrl"));
        as(fixtures.token).body(Map.of("name", "g")).post("/v1/applications/" + app + "/groups").then().statusCode(400)
                .body("errors.field", hasItem("serverIds"));
        as(fixtures.token).body(Map.of("name", "")).post("/v1/applications").then().statusCode(400);

        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false));
        fixtures.awaitState(accepted.path("id"), "SUCCEEDED");
        as(fixtures.token).post("/v1/releases/" + accepted.path("id") + "/teleport").then().statusCode(404);
        as(fixtures.token).post("/v1/releases/" + accepted.path("id") + "/approve").then().statusCode(409)
                .body("detail", equalTo("only a baking release can be approved; this one is SUCCEEDED"));
    }

    private void expectField(Map<String, Object> body, String field) {
        Response r = fixtures.release(new HashMap<>(body));
        assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.<List<String>>path("errors.field")).as(r.asString()).contains(field);
    }

    private String brakedRelease() {
        String app = fixtures.application();
        String group = fixtures.group(app, 10, "lb-shop");
        String bad = fixtures.version(app, "v3-bad");
        cloud.failOn("shop:v3-bad", fixtures.providerIdsAt(1, 5, 6));
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", bad, "bastion", false, "batchSize", 4,
                "parallelism", 2, "brakeRatio", 0.2));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        return accepted.path("id");
    }

    private int lastCall(String... instances) {
        Set<String> ids = Set.of(instances);
        int last = -1;
        for (int i = 0; i < cloud.calls.size(); i++) {
            if (ids.contains(cloud.calls.get(i).instance())) {
                last = i;
            }
        }
        return last;
    }

    private int firstCall(String... instances) {
        Set<String> ids = Set.of(instances);
        for (int i = 0; i < cloud.calls.size(); i++) {
            if (ids.contains(cloud.calls.get(i).instance())) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }
}
