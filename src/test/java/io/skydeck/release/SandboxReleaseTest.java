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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Releases on the sandbox's own load balancer and installs: the Tars flow, and the brake on a defective version. */
@QuarkusTest
class SandboxReleaseTest {

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    SandboxCloud sandbox;

    @BeforeEach
    void tenServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(10);
        }
        sandbox = (SandboxCloud) providers.get("sandbox");
    }

    @Test
    void aRollingReleaseOnTheSandboxSmokesBakesAndRolls() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 4);
        String group = fixtures.group(app, 4, target);
        String v2 = fixtures.version(app, "v2");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", v2, "batchSize", 2));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.path("id");

        fixtures.awaitState(id, "BAKING");
        assertThat(members(target)).containsExactlyInAnyOrderElementsOf(fixtures.providerIds.subList(1, 4));
        as(fixtures.token).post("/v1/releases/" + id + "/pull-in-bastion").then().statusCode(200);
        fixtures.awaitState(id, "BAKING");
        assertThat(members(target)).containsExactlyInAnyOrderElementsOf(fixtures.providerIds.subList(0, 4));
        as(fixtures.token).post("/v1/releases/" + id + "/approve").then().statusCode(200).body("state", equalTo("ROLLING"));
        Response done = fixtures.awaitState(id, "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        assertThat(members(target)).containsExactlyInAnyOrderElementsOf(fixtures.providerIds.subList(0, 4));
    }

    /**
     * A version the sandbox fails on 30 % of instances (which ones: its hash; the artifact's name
     * is chosen so that exactly 3 of the 10 fail), brake at 20 %, batches of 3, no bastion: the
     * release brakes in the batch of the third failure and no later batch starts.
     */
    @Test
    void aDefectiveVersionBrakesTheReleaseAndNothingStartsAfterTheBrake() {
        String app = fixtures.application();
        String target = "lb-" + app.substring(0, 8);
        inTraffic(target, 10);
        String group = fixtures.group(app, 10, target);
        ArtifactDefect defect = defectOnThreeOfTen();
        sandbox.traffic().markDefective(defect);
        String version = as(fixtures.token).body(Map.of("name", "bad", "image", defect.artifact()))
                .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");
        List<Integer> failing = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            if (defect.failsIgnitionOn(fixtures.providerIds.get(i))) {
                failing.add(i);
            }
        }
        int brakeBatch = failing.get(2) / 3;

        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", version, "bastion", false, "batchSize", 3,
                "parallelism", 3, "brakeRatio", 0.2));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        Response braked = fixtures.awaitState(accepted.path("id"), "BRAKED");
        assertThat(braked.<Integer>path("failed")).isEqualTo(3);
        List<String> states = braked.path("instances.state");
        List<Integer> batches = braked.path("instances.batch");
        for (int i = 0; i < 10; i++) {
            if (batches.get(i) > brakeBatch) {
                assertThat(states.get(i)).as("instance " + i + " of batch " + batches.get(i) + " after the brake in batch " + brakeBatch)
                        .isEqualTo("WAITING");
            }
            if (failing.contains(i)) {
                assertThat(states.get(i)).isEqualTo("FAILED");
                assertThat(members(target)).doesNotContain(fixtures.providerIds.get(i));
            }
        }
        List<Map<String, Object>> events = fixtures.events(accepted.path("id"));
        long brakeSeq = events.stream().filter(e -> "BRAKED".equals(e.get("to"))).mapToLong(e -> ((Number) e.get("seq")).longValue())
                .findFirst().orElseThrow();
        assertThat(events).noneMatch(e -> "UPDATING".equals(e.get("to")) && ((Number) e.get("seq")).longValue() > brakeSeq);
        sandbox.traffic().clearDefect(defect.artifact());
    }

    private ArtifactDefect defectOnThreeOfTen() {
        for (int n = 0; n < 1000; n++) {
            ArtifactDefect candidate = ArtifactDefect.failsIgnition("shop:bad-" + n, 30);
            long failing = fixtures.providerIds.stream().filter(candidate::failsIgnitionOn).count();
            // Three failures, the third not in the last batch (so that a later batch exists to stay untouched).
            List<Integer> at = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                if (candidate.failsIgnitionOn(fixtures.providerIds.get(i))) {
                    at.add(i);
                }
            }
            if (failing == 3 && at.get(2) < 6) {
                return candidate;
            }
        }
        throw new AssertionError("no artifact name fails on exactly 3 of these 10 instances");
    }

    private void inTraffic(String target, int count) {
        TrafficControl traffic = sandbox.require(TrafficControl.class);
        for (int i = 0; i < count; i++) {
            traffic.pullIn(new TrafficTarget("sbx-east-1", target), fixtures.providerIds.get(i));
        }
    }

    private Set<String> members(String target) {
        return Set.copyOf(sandbox.traffic().loadBalancer(new TrafficTarget("sbx-east-1", target)).map(SandboxLoadBalancer::members)
                .orElse(List.of()));
    }
}
