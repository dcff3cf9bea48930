package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxLoadBalancer;
import io.skydeck.connectors.sandbox.TrafficMeasurement;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * RECREATE, BLUE_GREEN, DARK and AB_TEST over HTTP on the sandbox's own load balancer and
 * installs: servers 0–2 are the live ("blue") group, in traffic; servers 3–5 the standby
 * ("green") group, out of it.
 */
@QuarkusTest
class ReleaseStrategiesTest {

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    SandboxCloud sandbox;

    @BeforeEach
    void sixServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(6);
        }
        sandbox = (SandboxCloud) providers.get("sandbox");
    }

    /** An application with a blue group (0–2) in traffic behind its own load balancer, a green group (3–5) out, and version v2. */
    private final class TwoGroups {
        final String app = fixtures.application();
        final String target = "lb-" + app.substring(0, 8);
        final String blue;
        final String green;
        final String v2;

        TwoGroups() {
            TrafficControl traffic = sandbox.require(TrafficControl.class);
            for (int i = 0; i < 6; i++) {
                if (i < 3) {
                    traffic.pullIn(lb(), fixtures.providerIds.get(i));
                } else {
                    traffic.pullOut(lb(), fixtures.providerIds.get(i));
                }
            }
            blue = fixtures.groupOf(app, target, 0, 1, 2);
            green = fixtures.groupOf(app, target, 3, 4, 5);
            v2 = fixtures.version(app, "v2-" + app.substring(0, 8));
        }

        TrafficTarget lb() {
            return new TrafficTarget("sbx-east-1", target);
        }

        Response release(String strategy, Map<String, Object> more) {
            Map<String, Object> body = new HashMap<>(Map.of("groupId", blue, "versionId", v2, "strategy", strategy, "standbyGroupId", green));
            body.putAll(more);
            return fixtures.release(body);
        }

        Set<String> members() {
            return Set.copyOf(sandbox.traffic().loadBalancer(lb()).map(SandboxLoadBalancer::members).orElse(List.of()));
        }

        Set<String> blueIds() {
            return fixtures.providerIdsAt(0, 1, 2);
        }

        Set<String> greenIds() {
            return fixtures.providerIdsAt(3, 4, 5);
        }

        /** The artifact each instance runs now, as the sandbox's simulated traffic reports it. */
        List<String> artifacts(Set<String> ids) {
            return sandbox.traffic().measure(List.copyOf(ids), Duration.ofSeconds(1)).stream().map(TrafficMeasurement::artifact).toList();
        }

        String artifact() {
            return "shop:v2-" + app.substring(0, 8);
        }
    }

    @Test
    void recreateTakesTheWholeGroupOutAtOnceAndBringsItBackWithTheVersion() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        for (int i = 0; i < 4; i++) {
            sandbox.require(TrafficControl.class).pullIn(new TrafficTarget("sbx-east-1", target), fixtures.providerIds.get(i));
        }
        String group = fixtures.group(app, 4, target);
        String v2 = fixtures.version(app, "v2");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "RECREATE"));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        // One batch, no bastion: all four start at once (parallelism defaults to the group).
        assertThat(accepted.<String>path("state")).isEqualTo("ROLLING");
        assertThat(accepted.<List<String>>path("instances.state")).containsOnly("UPDATING");
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsOnly(0);
        assertThat(accepted.<Boolean>path("bastion")).isFalse();

        Response done = fixtures.awaitState(accepted.path("id"), "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        assertThat(Set.copyOf(sandbox.traffic().loadBalancer(new TrafficTarget("sbx-east-1", target)).orElseThrow().members()))
                .isEqualTo(fixtures.providerIdsAt(0, 1, 2, 3));

        fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "RECREATE", "batchSize", 2)).then().statusCode(400)
                .body("errors.field", hasItem("batchSize"));
        fixtures.release(Map.of("groupId", group, "versionId", v2, "strategy", "RECREATE", "onlineMinimum", 0.5)).then().statusCode(400)
                .body("errors.field", hasItem("onlineMinimum"));
    }

    @Test
    void blueGreenInstallsGreenOutOfTrafficSwitchesAtOnceAndApprovalFinishesIt() {
        TwoGroups g = new TwoGroups();
        Response accepted = g.release("BLUE_GREEN", Map.of());
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        assertThat(accepted.<String>path("state")).isEqualTo("DEPLOYING");
        assertThat(accepted.<String>path("standbyGroupId")).isEqualTo(g.green);
        assertThat(accepted.<List<Integer>>path("instances.batch")).containsExactly(0, 0, 0, 1, 1, 1);
        String id = accepted.path("id");

        Response switched = fixtures.awaitState(id, "SWITCHED");
        assertThat(switched.<List<String>>path("instances.state")).containsExactly("STANDBY", "STANDBY", "STANDBY", "DONE", "DONE", "DONE");
        assertThat(g.members()).isEqualTo(g.greenIds());
        assertThat(g.artifacts(g.greenIds())).containsOnly(g.artifact());
        assertThat(g.artifacts(g.blueIds())).doesNotContain(g.artifact()); // blue keeps the previous version for a rollback

        as(fixtures.token).post("/v1/releases/" + id + "/pull-in-bastion").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("has no bastion"));
        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(200).body("state", equalTo("SUCCEEDED"));
        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(409).body("detail", containsString("let go of"));
        // The green group runs the version now; the blue group's stays as it was.
        as(fixtures.token).get("/v1/applications/" + g.app + "/groups/" + g.green).then().statusCode(200)
                .body("currentVersionId", equalTo(g.v2));
        as(fixtures.token).get("/v1/applications/" + g.app + "/groups/" + g.blue).then().statusCode(200)
                .body("currentVersionId", equalTo(null));
        List<String> audited = as(Tokens.admin()).queryParam("targetId", id).get("/v1/audit").then().statusCode(200).extract()
                .path("items.action");
        assertThat(audited).contains("release.created", "release.approve");
    }

    @Test
    void aBlueGreenRollbackPutsTrafficBackOnBlue() {
        TwoGroups g = new TwoGroups();
        String id = g.release("BLUE_GREEN", Map.of("parallelism", 2)).then().statusCode(202).extract().path("id");
        fixtures.awaitState(id, "SWITCHED");
        assertThat(g.members()).isEqualTo(g.greenIds());

        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(200);
        Response rolledBack = fixtures.awaitState(id, "ROLLED_BACK");

        assertThat(g.members()).isEqualTo(g.blueIds());
        assertThat(rolledBack.<List<String>>path("instances.state"))
                .containsExactly("REVERTED", "REVERTED", "REVERTED", "STANDBY", "STANDBY", "STANDBY");
        assertThat(rolledBack.<Integer>path("inTraffic")).isEqualTo(3);
        // Blue came back in before any green left.
        List<Map<String, Object>> events = fixtures.events(id);
        long lastBlueIn = events.stream().filter(e -> "REVERTED".equals(e.get("to"))).mapToLong(e -> ((Number) e.get("seq")).longValue())
                .max().orElseThrow();
        long firstGreenOut = events.stream().filter(e -> "REVERTING".equals(e.get("from")) && "STANDBY".equals(e.get("to")))
                .mapToLong(e -> ((Number) e.get("seq")).longValue()).min().orElseThrow();
        assertThat(lastBlueIn).isLessThan(firstGreenOut);
        // The group is free for the next release.
        g.release("BLUE_GREEN", Map.of()).then().statusCode(202);
    }

    /**
     * A version the sandbox fails on two of the three green instances (its name chosen so), brake
     * at a third: the release brakes before any switch, blue keeps every request, and a rollback
     * ends with blue in traffic and green out.
     */
    @Test
    void aVersionFailingOnGreenPastTheBrakeNeverTakesTrafficFromBlue() {
        TwoGroups g = new TwoGroups();
        ArtifactDefect defect = null;
        for (int n = 0; n < 1000 && defect == null; n++) {
            ArtifactDefect candidate = ArtifactDefect.failsIgnition("shop:bad-green-" + n, 50);
            if (g.greenIds().stream().filter(candidate::failsIgnitionOn).count() == 2) {
                defect = candidate;
            }
        }
        assertThat(defect).as("an artifact name that fails on exactly 2 of the 3 green instances").isNotNull();
        sandbox.traffic().markDefective(defect);
        try {
            String bad = as(fixtures.token).body(Map.of("name", "bad", "image", defect.artifact()))
                    .post("/v1/applications/" + g.app + "/versions").then().statusCode(201).extract().path("id");
            String id = g.release("BLUE_GREEN", Map.of("versionId", bad, "brakeRatio", 0.34)).then().statusCode(202).extract().path("id");

            Response braked = fixtures.awaitState(id, "BRAKED");
            assertThat(braked.<String>path("reason")).contains("2 of 3 standby instances failed");
            assertThat(braked.<Integer>path("failed")).isEqualTo(2);
            assertThat(braked.<List<String>>path("instances.state").subList(0, 3)).containsOnly("WAITING");
            assertThat(g.members()).isEqualTo(g.blueIds());

            as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(200);
            fixtures.awaitState(id, "ROLLED_BACK");
            assertThat(g.members()).isEqualTo(g.blueIds());
        } finally {
            sandbox.traffic().clearDefect(defect.artifact());
        }
    }

    @Test
    void darkDeploysTheVersionWithNoTrafficUntilAPersonPromotesIt() {
        TwoGroups g = new TwoGroups();
        String id = g.release("DARK", Map.of()).then().statusCode(202).extract().path("id");

        Response dark = fixtures.awaitState(id, "DEPLOYED_DARK");
        assertThat(dark.<List<String>>path("instances.state")).containsExactly("WAITING", "WAITING", "WAITING", "VERIFIED", "VERIFIED", "VERIFIED");
        assertThat(g.members()).isEqualTo(g.blueIds());
        assertThat(g.artifacts(g.greenIds())).containsOnly(g.artifact());
        ReleaseFixtures.sleep(300);
        assertThat(as(fixtures.token).get("/v1/releases/" + id).then().extract().<String>path("state")).isEqualTo("DEPLOYED_DARK");

        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(409).body("detail", containsString("promote it first"));
        as(fixtures.token).post("/v1/releases/" + id + "/promote").then().statusCode(200).body("state", equalTo("SWITCHING"));
        fixtures.awaitState(id, "SWITCHED");
        assertThat(g.members()).isEqualTo(g.greenIds());
        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(200).body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void anAbTestSendsOnlyTheHeadersRequestsToTheVariantUntilPromoted() {
        TwoGroups g = new TwoGroups();
        Response accepted = g.release("AB_TEST", Map.of("routeHeader", "X-Variant", "routeValue", "b"));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        Response testing = fixtures.awaitState(id, "TESTING");
        assertThat(testing.<String>path("routeHeader")).isEqualTo("X-Variant");
        assertThat(sandbox.traffic().route(g.lb(), Map.of("X-Variant", "b"))).isEqualTo(g.greenIds());
        assertThat(sandbox.traffic().route(g.lb(), Map.of("X-Variant", "a"))).isEqualTo(g.blueIds());
        assertThat(sandbox.traffic().route(g.lb(), Map.of())).isEqualTo(g.blueIds());

        as(fixtures.token).post("/v1/releases/" + id + "/promote").then().statusCode(200);
        fixtures.awaitState(id, "SWITCHED");
        assertThat(sandbox.traffic().loadBalancer(g.lb()).orElseThrow().headerRoute()).isEmpty();
        assertThat(sandbox.traffic().route(g.lb(), Map.of())).isEqualTo(g.greenIds());
        assertThat(sandbox.traffic().route(g.lb(), Map.of("X-Variant", "b"))).isEqualTo(g.greenIds());
    }

    @Test
    void anAbRollbackTakesTheVariantOutAndClearsTheRoute() {
        TwoGroups g = new TwoGroups();
        String id = g.release("AB_TEST", Map.of("routeHeader", "Cookie", "routeValue", "ab=b")).then().statusCode(202).extract().path("id");
        fixtures.awaitState(id, "TESTING");
        assertThat(sandbox.traffic().route(g.lb(), Map.of("Cookie", "sid=1; ab=b"))).isEqualTo(g.greenIds());

        as(fixtures.token).post("/v1/releases/" + id + "/rollback").then().statusCode(200);
        fixtures.awaitState(id, "ROLLED_BACK");
        assertThat(g.members()).isEqualTo(g.blueIds());
        assertThat(sandbox.traffic().loadBalancer(g.lb()).orElseThrow().headerRoute()).isEmpty();
        assertThat(sandbox.traffic().route(g.lb(), Map.of("Cookie", "sid=1; ab=b"))).isEqualTo(g.blueIds());
    }

    @Test
    void anAbTestOnATargetThatCannotRouteByHeaderIsRefusedWith422NamingIt() {
        TwoGroups g = new TwoGroups();
        CloudProvider real = providers.get("sandbox");
        providers.replace(new ReleaseTestCloud(real, true)); // pull in and out, but no header routes
        try {
            g.release("AB_TEST", Map.of("routeHeader", "X-Variant", "routeValue", "b")).then().statusCode(422)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:skydeck:problem:target-cannot"))
                    .body("detail", containsString("traffic target " + g.target))
                    .body("detail", containsString("cannot route by header or cookie"))
                    .body("errors.field", hasItem("groupId"));
            // Blue-green needs only pull in and out, which this target has.
            g.release("BLUE_GREEN", Map.of()).then().statusCode(202);
        } finally {
            providers.replace(real);
        }
    }

    @Test
    void badTwoGroupRequestsAreRefusedNamingTheField() {
        TwoGroups g = new TwoGroups();
        g.release("BLUE_GREEN", Map.of("standbyGroupId", g.blue)).then().statusCode(400).body("errors.field", hasItem("standbyGroupId"));
        fixtures.release(Map.of("groupId", g.blue, "versionId", g.v2, "strategy", "DARK")).then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("standbyGroupId"));
        g.release("BLUE_GREEN", Map.of("bastion", true)).then().statusCode(400).body("errors.field", hasItem("bastion"));
        g.release("DARK", Map.of("batchSize", 2)).then().statusCode(400).body("errors.field", hasItem("batchSize"));
        g.release("AB_TEST", Map.of()).then().statusCode(400).body("errors.field", hasItem("routeHeader"));
        g.release("AB_TEST", Map.of("routeHeader", "X Variant", "routeValue", "b")).then().statusCode(400)
                .body("errors.field", hasItem("routeHeader"));
        g.release("AB_TEST", Map.of("routeHeader", "X-Variant")).then().statusCode(400).body("errors.field", hasItem("routeValue"));
        g.release("BLUE_GREEN", Map.of("routeHeader", "X-Variant", "routeValue", "b")).then().statusCode(400)
                .body("errors.field", hasItem("routeHeader"));
        fixtures.release(Map.of("groupId", g.blue, "versionId", g.v2, "standbyGroupId", g.green)).then().statusCode(400)
                .body("errors.field", hasItem("standbyGroupId"));
        String other = fixtures.groupOf(g.app, "lb-elsewhere", 4, 5);
        g.release("BLUE_GREEN", Map.of("standbyGroupId", other)).then().statusCode(400).body("errors.field", hasItem("standbyGroupId"));
        String overlapping = fixtures.groupOf(g.app, g.target, 2, 3);
        g.release("BLUE_GREEN", Map.of("standbyGroupId", overlapping)).then().statusCode(400)
                .body("errors.field", hasItem("standbyGroupId"));
        // CANARY runs on one group; without its steps it is refused naming them
        fixtures.release(Map.of("groupId", g.blue, "versionId", g.v2, "strategy", "CANARY")).then().statusCode(400)
                .body("errors.field", hasItem("canary"));
        // a two-group release is judged by a person before its switch: an analysis would be ignored, so it is refused
        g.release("BLUE_GREEN", Map.of("standbyGroupId", g.green, "analysis", Map.of("source", "sandbox",
                "checks", java.util.List.of(Map.of("metric", "success-rate", "threshold", 0.99))))).then().statusCode(400)
                .body("errors.field", hasItem("analysis"));

        // A group that is the standby of an unfinished release takes no other release.
        String id = g.release("DARK", Map.of()).then().statusCode(202).extract().path("id");
        fixtures.release(Map.of("groupId", g.green, "versionId", g.v2)).then().statusCode(409);
        fixtures.awaitState(id, "DEPLOYED_DARK");
        as(fixtures.token).post("/v1/releases/" + id + "/abort").then().statusCode(200).body("state", equalTo("ABORTED"));
        as(fixtures.token).post("/v1/releases/" + id + "/promote").then().statusCode(409).contentType("application/problem+json")
                .body("detail", containsString("ABORTED"));
    }

    @Test
    void anotherTenantCannotReleaseOntoOrFromThisTenantsStandbyGroup() {
        TwoGroups g = new TwoGroups();
        ReleaseFixtures other = new ReleaseFixtures(1);
        String app = other.application();
        String group = other.group(app, 1, "lb-other");
        String version = other.version(app, "v2");
        other.release(Map.of("groupId", group, "versionId", version, "strategy", "BLUE_GREEN", "standbyGroupId", g.green)).then()
                .statusCode(404);
    }
}
