package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.providers.ProviderRegistry;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A driver dies while a canary step waits out its pause; another replica takes the lease and goes
 * on from the stored gate: the pause ends when it was stored to end (not a whole pause later), and
 * nothing the first driver did is done again. Nobody drives releases here but the test.
 */
@QuarkusTest
@TestProfile(ReleaseTakeoverTest.DrivenByHand.class)
class CanaryTakeoverTest {

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleaseDrivers drivers;

    ReleaseTestCloud cloud;
    CloudProvider sandbox;

    @BeforeEach
    void threeServersAndTheTestCloud() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(3);
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
    void aReplicaThatDiesDuringACanaryPauseIsReplacedAndThePauseEndsWhenItWasStoredToEnd() {
        String app = fixtures.application();
        String group = fixtures.group(app, 3, "lb-canary");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "strategy", "CANARY",
                "parallelism", 2, "canary", Map.of("steps", List.of(Map.of("instances", 1, "pause", "PT4S")))));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        UUID id = UUID.fromString(accepted.path("id"));

        ReleaseDriver a = drivers.drive(id, "replica-a").orElseThrow();
        Response waiting = awaitGate(id, "WAITING");
        Instant pauseEnds = Instant.parse(waiting.path("canary.gate.waitUntil"));
        assertThat(waiting.<List<String>>path("instances.state")).containsExactly("DONE", "WAITING", "WAITING");

        a.die();
        ReleaseDriver b = awaitTakeover(id, "replica-b");
        assertThat(b.token()).isGreaterThan(a.token());

        Response done = fixtures.awaitState(id.toString(), "SUCCEEDED");
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        assertThat(done.<String>path("canary.gate.waitUntil")).isEqualTo(pauseEnds.toString());
        for (int i = 0; i < 3; i++) {
            assertThat(cloud.installsOf(fixtures.providerIds.get(i))).as("effective installs of instance " + i).hasSize(1);
        }
        List<Map<String, Object>> events = fixtures.events(id.toString());
        List<Map<String, Object>> holds = events.stream().filter(e -> e.get("instance") == null && "HOLDING".equals(e.get("to"))).toList();
        assertThat(holds).hasSize(1);
        assertThat(holds.get(0).get("actor")).isEqualTo("driver replica-a");
        Map<String, Object> passed = events.stream().filter(e -> e.get("instance") == null && "HOLDING".equals(e.get("from"))
                && "ROLLING".equals(e.get("to"))).findFirst().orElseThrow();
        assertThat(passed.get("actor")).isEqualTo("driver replica-b");
        assertThat(Instant.parse((String) passed.get("occurredAt"))).isAfterOrEqualTo(pauseEnds);
    }

    private Response awaitGate(UUID id, String canaryState) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            Response r = as(fixtures.token).get("/v1/releases/" + id).then().statusCode(200).extract().response();
            if (canaryState.equals(r.path("canary.gate.canaryState"))) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the canary of " + id + " never reached " + canaryState + ": " + r.asString());
            }
            ReleaseFixtures.sleep(50);
        }
    }

    private ReleaseDriver awaitTakeover(UUID id, String replica) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<ReleaseDriver> driver = drivers.drive(id, replica);
            if (driver.isPresent()) {
                return driver.get();
            }
            ReleaseFixtures.sleep(100);
        }
        throw new AssertionError("the lease of release " + id + " never ran out");
    }
}
