package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Releases that name degrade switches, over HTTP on the sandbox: the switches are on from the
 * release's start and go back to their own state when it ends — succeeded, aborted or rolled
 * back — shown on the release and on the switch, audited. And what a rollback of a finished
 * release does to its group's current version.
 */
@QuarkusTest
class ReleaseDegradeSwitchTest {

    private static ReleaseFixtures fixtures;

    @BeforeEach
    void fourServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(4);
        }
    }

    @Test
    void aReleaseHoldsItsSwitchesOnWhileItRunsAndGivesThemBackWhenItSucceeds() {
        String app = fixtures.application();
        String group = fixtures.group(app, 4, null);
        String off = degradeSwitch(fixtures.token, "pricing-cache-" + app.substring(0, 8));
        String alreadyOnName = "search-fallback-" + app.substring(0, 8);
        String alreadyOn = degradeSwitch(fixtures.token, alreadyOnName);
        as(fixtures.token).body(Map.of("reason", "search is slow")).post("/v1/degrade-switches/" + alreadyOn + "/on").then().statusCode(200);

        // One by id, one by name.
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "batchSize", 2,
                "degradeSwitches", List.of(off, alreadyOnName)));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String release = accepted.path("id");
        assertThat(accepted.<List<String>>path("degradeSwitches.hold")).containsOnly("HELD");

        Response baking = fixtures.awaitState(release, "BAKING");
        assertThat(baking.<List<String>>path("degradeSwitches.id")).containsExactlyInAnyOrder(off, alreadyOn);
        assertThat(baking.<List<String>>path("degradeSwitches.state")).containsOnly("ON");
        as(fixtures.token).get("/v1/degrade-switches/" + off).then().statusCode(200).body("state", equalTo("ON"))
                .body("heldBy", equalTo(List.of(release))).body("changedBy", equalTo("release:" + release));
        as(fixtures.token).get("/v1/degrade-switches/" + alreadyOn).then().statusCode(200).body("heldBy", equalTo(List.of(release)));

        as(fixtures.token).post("/v1/releases/" + release + "/pull-in-bastion").then().statusCode(200);
        fixtures.awaitState(release, "BAKING");
        as(fixtures.token).post("/v1/releases/" + release + "/approve").then().statusCode(200);
        Response done = fixtures.awaitState(release, "SUCCEEDED");

        assertThat(done.<List<String>>path("degradeSwitches.hold")).containsOnly("RESTORED");
        as(fixtures.token).get("/v1/degrade-switches/" + off).then().statusCode(200).body("state", equalTo("OFF"))
                .body("heldBy", equalTo(List.of()));
        // It was on before the release, so it stays on.
        as(fixtures.token).get("/v1/degrade-switches/" + alreadyOn).then().statusCode(200).body("state", equalTo("ON"))
                .body("heldBy", equalTo(List.of()));
        List<String> audited = as(Tokens.admin()).queryParam("targetId", off).queryParam("limit", 100).get("/v1/audit")
                .then().statusCode(200).extract().path("items.action");
        assertThat(audited).containsSubsequence("degrade-switch.created", "degrade-switch.held", "degrade-switch.restored");
    }

    @Test
    void anAbortedAndARolledBackReleaseGiveTheirSwitchesBackToo() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, null);
        String sw = degradeSwitch(fixtures.token, "cart-" + app.substring(0, 8));

        String aborted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "degradeSwitches", List.of(sw)))
                .path("id");
        fixtures.awaitState(aborted, "BAKING");
        as(fixtures.token).get("/v1/degrade-switches/" + sw).then().body("state", equalTo("ON"));
        as(fixtures.token).post("/v1/releases/" + aborted + "/abort").then().statusCode(200)
                .body("degradeSwitches[0].hold", equalTo("RESTORED")).body("degradeSwitches[0].state", equalTo("OFF"));
        as(fixtures.token).get("/v1/degrade-switches/" + sw).then().body("state", equalTo("OFF")).body("heldBy", equalTo(List.of()));

        String rolledBack = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v3"), "degradeSwitches",
                List.of(sw))).path("id");
        fixtures.awaitState(rolledBack, "BAKING");
        as(fixtures.token).get("/v1/degrade-switches/" + sw).then().body("state", equalTo("ON")).body("heldBy", equalTo(List.of(rolledBack)));
        as(fixtures.token).post("/v1/releases/" + rolledBack + "/rollback").then().statusCode(200);
        Response back = fixtures.awaitState(rolledBack, "ROLLED_BACK");
        assertThat(back.<List<String>>path("degradeSwitches.hold")).containsExactly("RESTORED");
        as(fixtures.token).get("/v1/degrade-switches/" + sw).then().body("state", equalTo("OFF")).body("heldBy", equalTo(List.of()));
    }

    @Test
    void aSwitchTurnedByHandDuringTheReleaseIsLeftAsThePersonSetIt() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, null);
        String sw = degradeSwitch(fixtures.token, "ads-" + app.substring(0, 8));
        String release = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "degradeSwitches", List.of(sw)))
                .path("id");
        fixtures.awaitState(release, "BAKING");
        as(fixtures.token).body(Map.of("reason", "keep ads degraded until tomorrow")).post("/v1/degrade-switches/" + sw + "/on")
                .then().statusCode(200);
        as(fixtures.token).post("/v1/releases/" + release + "/abort").then().statusCode(200)
                .body("degradeSwitches[0].hold", equalTo("OVERRIDDEN"));
        as(fixtures.token).get("/v1/degrade-switches/" + sw).then().body("state", equalTo("ON"))
                .body("reason", equalTo("keep ads degraded until tomorrow"));
    }

    @Test
    void anUnknownSwitchOrAnotherTenantsIsA400NamingTheField() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, null);
        String version = fixtures.version(app, "v2");
        UUID rival = createTenant(uniqueName("rival"));
        String theirs = degradeSwitch(Tokens.tenant(rival), "theirs");

        for (Object named : List.of(List.of(theirs), List.of("no-such-switch"), List.of(UUID.randomUUID().toString()), List.of(""))) {
            Response r = fixtures.release(Map.of("groupId", group, "versionId", version, "degradeSwitches", named));
            assertThat(r.statusCode()).as(r.asString()).isEqualTo(400);
            assertThat(r.contentType()).startsWith("application/problem+json");
            assertThat(r.<List<String>>path("errors.field")).as(r.asString()).contains("degradeSwitches");
        }
        // Nothing was started: the group is free for a release.
        Response ok = fixtures.release(Map.of("groupId", group, "versionId", version));
        assertThat(ok.statusCode()).as(ok.asString()).isEqualTo(202);
        as(fixtures.token).post("/v1/releases/" + ok.path("id") + "/abort").then().statusCode(200);
        as(Tokens.tenant(rival)).get("/v1/degrade-switches/" + theirs).then().body("state", equalTo("OFF"));
    }

    /**
     * v1 then v2 succeed on the group; rolling v2 back puts the group back on v1 (and its
     * instances on v1's artifact); v1, no longer the group's last release, cannot be rolled back.
     */
    @Test
    void rollingBackASucceededReleasePutsTheGroupBackOnThePreviousVersion() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, null);
        String v1 = fixtures.version(app, "v1");
        String v2 = fixtures.version(app, "v2");
        String first = succeed(group, v1);
        assertThat(currentVersion(app)).isEqualTo(v1);
        String second = succeed(group, v2);
        assertThat(currentVersion(app)).isEqualTo(v2);

        Response refused = as(fixtures.token).post("/v1/releases/" + first + "/rollback").then().extract().response();
        assertThat(refused.statusCode()).as(refused.asString()).isEqualTo(409);
        assertThat(refused.<String>path("detail")).contains("not the last release");

        as(fixtures.token).post("/v1/releases/" + second + "/rollback").then().statusCode(200).body("state", equalTo("ROLLING_BACK"));
        Response back = fixtures.awaitState(second, "ROLLED_BACK");
        assertThat(back.<List<String>>path("instances.state")).containsOnly("REVERTED");
        assertThat(currentVersion(app)).as("the group's version after its last release was rolled back").isEqualTo(v1);
        // A release rolled back before it finished never moved the group.
        String third = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v3"))).path("id");
        fixtures.awaitState(third, "BAKING");
        as(fixtures.token).post("/v1/releases/" + third + "/rollback").then().statusCode(200);
        fixtures.awaitState(third, "ROLLED_BACK");
        assertThat(currentVersion(app)).isEqualTo(v1);
    }

    private String succeed(String group, String version) {
        String release = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false, "batchSize", 2)).path("id");
        fixtures.awaitState(release, "SUCCEEDED");
        return release;
    }

    private String currentVersion(String app) {
        return as(fixtures.token).get("/v1/applications/" + app + "/groups").then().statusCode(200).extract().path("items[0].currentVersionId");
    }

    private static String degradeSwitch(String token, String name) {
        return as(token).body(Map.of("name", name, "dependency", "dep-" + name, "description", "degrade " + name))
                .post("/v1/degrade-switches").then().statusCode(201).extract().path("id");
    }
}
