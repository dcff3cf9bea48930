package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxTopology;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.operations.OperationRunner;
import io.skydeck.platform.config.SkydeckConfig;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * A restart in the middle of an operation, in each place it can happen. The background runner
 * is off: each test plays the crashed replica by hand and then lets a fresh pass of the
 * runner — what a restarted service does first — pick the work up.
 */
@QuarkusTest
@TestProfile(OperationRecoveryTest.RunnerOff.class)
public class OperationRecoveryTest {

    /**
     * The runner driven by hand, and no default networks: the tests of this profile count runner
     * passes and provider calls of a server's own operations, which a default network made with the
     * tenant's first server would precede (its create waits for the network's operations;
     * DefaultNetworkTest covers that).
     */
    public static class RunnerOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // These tests play a submit and its poll as two passes, so the sandbox is not polled at once; and a
            // batch's operations one after another (one worker), so that one can wait its turn behind another's call.
            return Map.of("skydeck.operations.runner-enabled", "false", "skydeck.network.default-vpc.providers", "none",
                    "skydeck.operations.poll-at-once", "false", "skydeck.operations.workers", "1");
        }
    }

    @Inject
    OperationRunner runner;

    @Inject
    ProviderRegistry providers;

    @Inject
    SkydeckConfig config;

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenant() {
        tenant = createTenant(uniqueName("recover"), quota(64, 256, 10, 10, 2));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void everyServerSkydeckHoldsIsInTheProviderAndNothingElse() {
        sandbox().faults().clear();
        // No orphan: every server the sandbox has with a Skydeck token is one Skydeck knows as running.
        Set<String> inProvider = sandbox().require(Servers.class).list().stream()
                .filter(s -> s.token().isPresent())
                .map(ProviderServer::id).collect(Collectors.toSet());
        @SuppressWarnings("unchecked")
        List<String> recorded = em.createNativeQuery(
                "SELECT provider_server_id FROM server WHERE provider_server_id IS NOT NULL AND status NOT IN ('DELETED', 'FAILED')")
                .getResultList();
        // No ghost: every server Skydeck records as existing is there.
        assertThat(Set.copyOf(recorded)).isEqualTo(inProvider);
    }

    @Test
    void aCreateTheProviderAcceptedJustBeforeTheCrashIsFoundAgainNotRepeated() {
        Response accepted = request("accepted-then-crash");
        Server server = server(accepted);
        // The replica that died had already sent the create; it never stored the handle.
        sandbox().require(Servers.class).create(ServerOperations.specOf(server), ServerOperations.createToken(server.id()));

        drain();

        assertThat(serversWithToken(server.id())).hasSize(1);
        as(token).get("/v1/servers/" + server.id()).then().body("status", equalTo("ACTIVE"))
                .body("providerServerId", equalTo(serversWithToken(server.id()).get(0).id()));
        as(token).get("/v1/operations/" + accepted.path("operation.id")).then().body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void aTimeoutAfterTheProviderDidTheWorkIsRetriedWithTheSameToken() {
        sandbox().faults().inject(new Fault.Timeout(SandboxCall.CREATE_SERVER, true));
        Response accepted = request("lost-answer");
        runner.runOnce();
        as(token).get("/v1/operations/" + accepted.path("operation.id")).then()
                .body("state", equalTo("PENDING")).body("attempts", equalTo(1))
                .body("error.type", equalTo("urn:skydeck:problem:provider-timeout"));

        drain();

        Server server = server(accepted);
        assertThat(serversWithToken(server.id())).hasSize(1);
        as(token).get("/v1/servers/" + server.id()).then().body("status", equalTo("ACTIVE"));
    }

    @Test
    void anOperationRunningWhenTheProviderRestartsIsPolledToTheEnd() {
        Response accepted = request("provider-restart");
        runner.runOnce();
        as(token).get("/v1/operations/" + accepted.path("operation.id")).then().body("state", equalTo("RUNNING"));

        restartSandbox();
        drain();

        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("ACTIVE"));
        assertThat(serversWithToken(UUID.fromString(accepted.path("resource.id")))).hasSize(1);
    }

    @Test
    void aProviderCrashBeforeItWroteAnythingIsRetriedAndCreatesOnce() {
        sandbox().faults().inject(new Fault.Crash(SandboxCall.CREATE_SERVER, false));
        Response accepted = request("provider-crash");
        runner.runOnce();
        as(token).get("/v1/operations/" + accepted.path("operation.id")).then()
                .body("state", equalTo("PENDING")).body("error.type", equalTo("urn:skydeck:problem:provider-unavailable"));

        restartSandbox();
        assertThat(serversWithToken(UUID.fromString(accepted.path("resource.id")))).as("the crash lost the create").isEmpty();
        drain();

        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("ACTIVE"));
        assertThat(serversWithToken(UUID.fromString(accepted.path("resource.id")))).hasSize(1);
    }

    @Test
    void anotherReplicasClaimIsLeftAloneUntilItRunsOut() {
        Response accepted = request("claimed");
        UUID op = UUID.fromString(accepted.path("operation.id"));
        claim(op, 60);
        runner.runOnce();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("PENDING"));
        assertThat(serversWithToken(UUID.fromString(accepted.path("resource.id")))).isEmpty();

        claim(op, -1); // that replica died; its claim ran out
        drain();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("SUCCEEDED"));
    }

    @Test
    void aDeleteInterruptedAfterTheProviderAcceptedItFinishesOnce() {
        Response accepted = request("delete-crash");
        drain();
        Server server = server(accepted);
        Response deleting = as(token).delete("/v1/servers/" + server.id()).then().statusCode(202).extract().response();
        // The dying replica had sent the delete already.
        sandbox().require(Servers.class).delete(server.providerServerId(), ServerOperations.deleteToken(server.id()));

        drain();

        as(token).get("/v1/operations/" + deleting.path("operation.id")).then().body("state", equalTo("SUCCEEDED"));
        as(token).get("/v1/servers/" + server.id()).then().body("status", equalTo("DELETED"));
        assertThat(sandbox().require(Servers.class).get(server.providerServerId())).isEmpty();
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(0));
    }

    private Response request(String name) {
        return as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().response();
    }

    /** Passes of the runner until nothing is due; a retry's backoff is waited out for real (under a second). */
    private void drain() {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            runner.runOnce();
            Number open = (Number) em.createNativeQuery("SELECT count(*) FROM operation WHERE state IN ('PENDING', 'RUNNING')")
                    .getSingleResult();
            if (open.intValue() == 0) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError("operations still open after 20 s");
    }

    @Transactional
    void claim(UUID op, int seconds) {
        em.createNativeQuery("UPDATE operation SET claimed_until = ?1 WHERE id = ?2")
                .setParameter(1, OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(seconds)).setParameter(2, op).executeUpdate();
    }

    private Server server(Response accepted) {
        em.clear();
        return em.find(Server.class, UUID.fromString(accepted.path("resource.id")));
    }

    private List<ProviderServer> serversWithToken(UUID serverId) {
        return sandbox().require(Servers.class).list().stream()
                .filter(s -> s.token().map(t -> t.equals(ServerOperations.createToken(serverId))).orElse(false))
                .toList();
    }

    private void restartSandbox() {
        providers.replace(new SandboxCloud(SandboxCloud.DEFAULT_NAME,
                SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE),
                config.dataDir().resolve("sandbox"), clock));
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
