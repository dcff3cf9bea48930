package io.skydeck.release;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
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
 * A driver dies in the middle of a batch — one instance's install is running, two of its batch
 * are done — and another replica takes the release over once the lease runs out. Nobody drives
 * releases here but the test, which plays both replicas with {@link ReleaseDrivers#drive}.
 */
@QuarkusTest
@TestProfile(ReleaseTakeoverTest.DrivenByHand.class)
class ReleaseTakeoverTest {

    public static class DrivenByHand implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.release.drive", "false", "skydeck.release.lease-duration", "PT2S");
        }
    }

    private static ReleaseFixtures fixtures;

    @Inject
    ProviderRegistry providers;

    @Inject
    ReleaseDrivers drivers;

    @Inject
    ReleaseProgress progress;

    @Inject
    ReleaseLease lease;

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
    void aReplicaThatDiesMidBatchIsReplacedAndNoInstanceIsRedoneOrSkipped() throws Exception {
        String app = fixtures.application();
        String group = fixtures.group(app, 6, "lb-shop");
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "bastion", false,
                "batchSize", 3, "parallelism", 3));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        UUID id = UUID.fromString(accepted.path("id"));
        String stuck = fixtures.providerIds.get(1);
        CountDownLatch gate = new CountDownLatch(1);
        cloud.gates.put(stuck, gate);
        cloud.atGate.put(stuck, new CountDownLatch(1));

        ReleaseDriver a = drivers.drive(id, "replica-a").orElseThrow();
        assertThat(cloud.atGate.get(stuck).await(20, TimeUnit.SECONDS)).as("instance 1's install began").isTrue();
        awaitInstanceStates(id, Map.of(0, "DONE", 2, "DONE", 1, "UPDATING"));
        assertThat(drivers.drive(id, "replica-b")).as("a second replica while the first holds the lease").isEmpty();

        // Replica A dies (kill -9): it renews nothing and writes nothing more; its install of instance 1 hangs.
        a.die();
        int callsBeforeTakeover = cloud.calls.size();
        ReleaseDriver b = awaitTakeover(id, "replica-b");
        assertThat(b.token()).isGreaterThan(a.token());

        // A's token is fenced off: it can neither renew nor write progress.
        assertThat(lease.renew(id, a.token(), java.time.Duration.ofSeconds(2))).isFalse();
        ReleaseProgress.Written late = QuarkusTransaction.requiringNew().call(() -> {
            ReleaseProgress.Stored stored = progress.load(id, false).orElseThrow();
            return progress.write(id, Optional.of(a.token()), stored.version(), stored.flow(), List.of(),
                    List.of(), "driver replica-a");
        });
        assertThat(late.outcome()).isEqualTo(ReleaseProgress.Outcome.LEASE_LOST);

        Response done = fixtures.awaitState(id.toString(), "SUCCEEDED");
        gate.countDown(); // A's hung install returns now: a repeat of a token B already installed, and A records nothing
        assertThat(done.<List<String>>path("instances.state")).containsOnly("DONE");
        for (int i = 0; i < 6; i++) {
            assertThat(cloud.installsOf(fixtures.providerIds.get(i))).as("effective installs of instance " + i).hasSize(1);
        }
        // B re-ran instance 1's install (the step on record as running) and never touched 0 and 2, which A had finished.
        List<ReleaseTestCloud.Call> afterTakeover = cloud.calls.subList(callsBeforeTakeover, cloud.calls.size());
        assertThat(afterTakeover).noneMatch(c -> c.instance().equals(fixtures.providerIds.get(0)) || c.instance().equals(fixtures.providerIds.get(2)));
        assertThat(afterTakeover.stream().filter(c -> c.instance().equals(stuck)).map(ReleaseTestCloud.Call::what).toList())
                .startsWith("install").contains("health", "pullIn");

        List<Map<String, Object>> events = fixtures.events(id.toString());
        for (int i = 0; i < 6; i++) {
            String instance = fixtures.servers.get(i).toString();
            List<String> transitions = events.stream().filter(e -> instance.equals(e.get("instance")))
                    .map(e -> e.get("from") + ">" + e.get("to")).toList();
            assertThat(transitions).as("instance " + i).containsExactly("WAITING>UPDATING", "UPDATING>DONE");
        }
        assertThat(actorOf(events, fixtures.servers.get(0), "DONE")).isEqualTo("driver replica-a");
        assertThat(actorOf(events, fixtures.servers.get(1), "DONE")).isEqualTo("driver replica-b");
        assertThat(actorOf(events, fixtures.servers.get(5), "DONE")).isEqualTo("driver replica-b");
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
