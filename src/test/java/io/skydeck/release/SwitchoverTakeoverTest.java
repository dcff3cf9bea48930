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

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A blue-green release whose driver dies while the green group is being installed — two green
 * instances checked, the third's install hanging — is taken over by another replica, which
 * finishes that install and switches the traffic, redoing and skipping nothing. Nobody drives
 * releases here but the test (the same profile as {@link ReleaseTakeoverTest}).
 */
@QuarkusTest
@TestProfile(ReleaseTakeoverTest.DrivenByHand.class)
class SwitchoverTakeoverTest {

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleaseDrivers drivers;

    ReleaseTestCloud cloud;
    CloudProvider sandbox;

    @BeforeEach
    void sixServersAndTheTestCloud() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(6);
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
    void aReplicaThatDiesWhileGreenInstallsIsReplacedAndTheSwitchHappensOnce() throws Exception {
        String app = fixtures.application();
        String blue = fixtures.groupOf(app, "lb-shop", 0, 1, 2);
        String green = fixtures.groupOf(app, "lb-shop", 3, 4, 5);
        Response accepted = fixtures.release(Map.of("groupId", blue, "versionId", fixtures.version(app, "v2"), "strategy", "BLUE_GREEN",
                "standbyGroupId", green));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        UUID id = UUID.fromString(accepted.path("id"));
        String stuck = fixtures.providerIds.get(4);
        CountDownLatch gate = new CountDownLatch(1);
        cloud.gates.put(stuck, gate);
        cloud.atGate.put(stuck, new CountDownLatch(1));

        ReleaseDriver a = drivers.drive(id, "replica-a").orElseThrow();
        assertThat(cloud.atGate.get(stuck).await(20, TimeUnit.SECONDS)).as("green instance 4's install began").isTrue();
        awaitInstanceStates(id, Map.of(3, "VERIFIED", 5, "VERIFIED", 4, "UPDATING"));
        assertThat(drivers.drive(id, "replica-b")).as("a second replica while the first holds the lease").isEmpty();

        a.die();
        int callsBeforeTakeover = cloud.calls.size();
        ReleaseDriver b = awaitTakeover(id, "replica-b");
        assertThat(b.token()).isGreaterThan(a.token());

        Response switched = fixtures.awaitState(id.toString(), "SWITCHED");
        gate.countDown(); // A's hung install returns: a repeat of the token B installed, and A records nothing
        assertThat(switched.<List<String>>path("instances.state"))
                .containsExactly("STANDBY", "STANDBY", "STANDBY", "DONE", "DONE", "DONE");
        for (int i = 3; i < 6; i++) {
            assertThat(cloud.installsOf(fixtures.providerIds.get(i))).as("effective installs of green " + i).hasSize(1);
        }
        for (int i = 0; i < 3; i++) {
            assertThat(cloud.installsOf(fixtures.providerIds.get(i))).as("installs of blue " + i).isEmpty();
        }
        assertThat(cloud.out).isEqualTo(fixtures.providerIdsAt(0, 1, 2));
        // B re-ran green 4's install (on record as running) and only pulled in 3 and 5, which A had checked.
        List<ReleaseTestCloud.Call> afterTakeover = cloud.calls.subList(callsBeforeTakeover, cloud.calls.size());
        for (int i : new int[] {3, 5}) {
            String instance = fixtures.providerIds.get(i);
            assertThat(afterTakeover.stream().filter(c -> c.instance().equals(instance)).map(ReleaseTestCloud.Call::what).toList())
                    .as("calls on green " + i + " after the takeover").containsExactly("pullIn");
        }
        assertThat(afterTakeover.stream().filter(c -> c.instance().equals(stuck)).map(ReleaseTestCloud.Call::what).toList())
                .startsWith("install").contains("health", "pullIn");

        List<Map<String, Object>> events = fixtures.events(id.toString());
        for (int i = 3; i < 6; i++) {
            assertThat(transitions(events, fixtures.servers.get(i))).as("green " + i)
                    .containsExactly("WAITING>UPDATING", "UPDATING>VERIFIED", "VERIFIED>UPDATING", "UPDATING>DONE");
        }
        for (int i = 0; i < 3; i++) {
            assertThat(transitions(events, fixtures.servers.get(i))).as("blue " + i).containsExactly("WAITING>UPDATING", "UPDATING>STANDBY");
        }
        assertThat(actorOf(events, fixtures.servers.get(3), "VERIFIED")).isEqualTo("driver replica-a");
        assertThat(actorOf(events, fixtures.servers.get(4), "VERIFIED")).isEqualTo("driver replica-b");
        // The switch itself happened once, under B.
        assertThat(events.stream().filter(e -> e.get("instance") == null && "SWITCHED".equals(e.get("to"))).map(e -> e.get("actor")).toList())
                .containsExactly("driver replica-b");
    }

    private static List<String> transitions(List<Map<String, Object>> events, UUID instance) {
        return events.stream().filter(e -> instance.toString().equals(e.get("instance"))).map(e -> e.get("from") + ">" + e.get("to")).toList();
    }

    private static String actorOf(List<Map<String, Object>> events, UUID instance, String to) {
        return events.stream().filter(e -> instance.toString().equals(e.get("instance")) && to.equals(e.get("to")))
                .map(e -> (String) e.get("actor")).findFirst().orElseThrow();
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

    private void awaitInstanceStates(UUID id, Map<Integer, String> wanted) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            List<String> states = io.skydeck.support.Api.as(fixtures.token).get("/v1/releases/" + id).then().statusCode(200)
                    .extract().path("instances.state");
            if (wanted.entrySet().stream().allMatch(e -> e.getValue().equals(states.get(e.getKey())))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("instances of " + id + " are " + states + ", not " + wanted);
            }
            ReleaseFixtures.sleep(50);
        }
    }
}
