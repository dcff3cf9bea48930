package io.skydeck.operations;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.compute.OperationRecoveryTest;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.platform.config.SkydeckConfig;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.InterceptedProvider;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.equalTo;

/**
 * Two replicas on one operation, played by hand on one runner: replica A claims it and, while A
 * waits on the provider, its claim runs out and replica B takes the operation over. Whatever A
 * then learns, it must write nothing. And no operation is retried forever. The fence that reads
 * the server's row with the operation's waits for another holder of the operation's row and then
 * writes on the server as that one left it.
 */
@QuarkusTest
@TestProfile(OperationRecoveryTest.RunnerOff.class)
class FencedOperationsTest {

    @Inject
    OperationRunner runner;

    @Inject
    ProviderRegistry providers;

    @Inject
    SkydeckConfig config;

    @Inject
    EntityManager em;

    CloudProvider sandbox;
    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenant() {
        sandbox = providers.get("sandbox");
        tenant = createTenant(uniqueName("fenced"), quota(64, 256, 10, 10, 2));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void putTheSandboxBack() {
        providers.replace(sandbox);
        ((SandboxCloud) sandbox).faults().clear();
    }

    @Test
    void aReplicaWhoseClaimWasTakenOverDuringAProviderCallWritesNothing() {
        Response accepted = requestServer("fenced-1");
        UUID op = UUID.fromString(accepted.path("operation.id"));
        OperationRunner.Claim claimOfA = claimOnly(op);
        AtomicBoolean takenOver = new AtomicBoolean();
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("create") && takenOver.compareAndSet(false, true)) {
                // A's call stalls past its claim; B claims the operation and submits it itself.
                setClaimedUntil(op, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));
                OperationRunner.Claim claimOfB = claimOnly(op);
                assertThat(claimOfB.token()).isNotEqualTo(claimOfA.token());
                runner.advance(claimOfB);
                // Then A's call comes back, with an answer that would fail the operation.
                throw new RequestRejected("sandbox", "late answer to the replica that lost its claim", "Conflict", null);
            }
        }));

        runner.advance(claimOfA);

        assertThat(takenOver).isTrue();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("RUNNING")).body("attempts", equalTo(0));
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("BUILDING"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(1));

        providers.replace(sandbox);
        drain();
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("ACTIVE"));
    }

    @Test
    void theHeartbeatRenewsEveryClaimOfTheBatchAndLetsGoOfTakenOnes() {
        UUID op1 = UUID.fromString(requestServer("heartbeat-1").path("operation.id"));
        UUID op2 = UUID.fromString(requestServer("heartbeat-2").path("operation.id"));
        List<Object> seen = new ArrayList<>();
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("create") && seen.isEmpty()) {
                // A long call on the batch's first operation: both claims are about to run out when the heartbeat beats.
                setClaimedUntil(op1, OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(1));
                setClaimedUntil(op2, OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(1));
                seen.add(runner.renewClaims());
                seen.add(claimedUntil(op1));
                seen.add(claimedUntil(op2));
                // Another replica takes op2 over: the next beat must not extend its claim.
                QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "UPDATE operation SET claim_token = ?1 WHERE id = ?2").setParameter(1, UUID.randomUUID())
                        .setParameter(2, op2).executeUpdate());
                seen.add(runner.renewClaims());
                seen.add(claimedUntil(op2));
            }
        }));

        runner.runOnce();

        Instant renewedTo = Instant.now().plus(config.operations().claimDuration()).minusSeconds(10);
        assertThat(seen.get(0)).as("claims renewed while the first call ran").isEqualTo(2);
        assertThat((Instant) seen.get(1)).isAfter(renewedTo);
        assertThat((Instant) seen.get(2)).as("the operation still waiting its turn is renewed too").isAfter(renewedTo);
        assertThat(seen.get(3)).as("claims renewed after the take-over").isEqualTo(1);
        assertThat(seen.get(4)).isEqualTo(seen.get(2));

        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "UPDATE operation SET claimed_until = NULL, claim_token = NULL WHERE id = ?1").setParameter(1, op2).executeUpdate());
        providers.replace(sandbox);
        drain();
    }

    @Test
    void aPassThatBreaksLeavesNoClaimForTheHeartbeatToRenew() {
        UUID op1 = UUID.fromString(requestServer("broken-1").path("operation.id"));
        UUID op2 = UUID.fromString(requestServer("broken-2").path("operation.id"));
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("create")) {
                // Not a provider's answer the runner handles: something broke the pass itself.
                throw new AssertionError("the pass broke");
            }
        }));

        assertThatThrownBy(runner::runOnce).isInstanceOf(AssertionError.class);

        assertThat(runner.renewClaims()).as("no claim of the broken pass is renewed; each runs out and is claimed again").isZero();
        assertThat(claimedUntil(op2)).as("the operation no step reached keeps the claim it had, to run out").isNotNull();

        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "UPDATE operation SET claimed_until = NULL, claim_token = NULL WHERE id IN (?1, ?2)").setParameter(1, op1)
                .setParameter(2, op2).executeUpdate());
        providers.replace(sandbox);
        drain();
    }

    @Test
    void failuresWhilePollingCountAsAttemptsUntilTheOperationFails() {
        Response created = requestServer("polled-1");
        drain();
        Response stopping = as(token).body(Map.of("action", "stop")).post("/v1/servers/" + created.path("resource.id") + "/actions")
                .then().statusCode(202).extract().response();
        UUID op = UUID.fromString(stopping.path("operation.id"));

        // Every poll fails: the provider is down, or says it lost the operation (which resubmits).
        int failedPolls = 0;
        for (int pass = 0; pass < 3 * config.operations().maxAttempts() && !state(op).isFinished(); pass++) {
            if (state(op).state() == Operation.State.RUNNING) {
                ((SandboxCloud) sandbox).faults().inject(new Fault.FailCall(SandboxCall.READ_SERVERS, failedPolls % 2 == 0
                        ? new ProviderUnavailable("sandbox", "down for maintenance", "503", null)
                        : new ResourceNotFound("sandbox", ResourceType.OPERATION, "op-x", "Operation op-x could not be found.")));
                failedPolls++;
            }
            dueNow(op);
            runner.runOnce();
        }

        as(token).get("/v1/operations/" + op).then().body("state", equalTo("FAILED"));
        assertThat(failedPolls).as("every failed poll counted").isEqualTo(config.operations().maxAttempts());
        as(token).get("/v1/servers/" + created.path("resource.id")).then().body("status", equalTo("ACTIVE"));
    }

    @Test
    void theFinishingWriteSeesAChangeOfTheResourceCommittedWhileItsFenceWaited() throws Exception {
        Response accepted = requestServer("fresh-1");
        UUID op = UUID.fromString(accepted.path("operation.id"));
        UUID server = UUID.fromString(accepted.path("resource.id"));
        runner.advance(claimOnly(op)); // submitted: the provider builds it
        assertThat(state(op).state()).isEqualTo(Operation.State.RUNNING);
        dueNow(op);
        OperationRunner.Claim claim = claimOnly(op);

        // Another transaction holds the operation's row, as a cancel does, and changes the server meanwhile.
        var locked = new java.util.concurrent.CountDownLatch(1);
        var release = new java.util.concurrent.CountDownLatch(1);
        var other = java.util.concurrent.CompletableFuture.runAsync(() -> QuarkusTransaction.requiringNew().run(() -> {
            em.createNativeQuery("SELECT id FROM operation WHERE id = ?1 FOR UPDATE").setParameter(1, op).getResultList();
            em.createNativeQuery("UPDATE server SET name = 'renamed-while-fenced' WHERE id = ?1").setParameter(1, server).executeUpdate();
            locked.countDown();
            try {
                assertThat(release.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }));
        assertThat(locked.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        // The runner polls (the sandbox has built it) and its finishing write waits on the operation's row.
        var advanced = java.util.concurrent.CompletableFuture.runAsync(() -> runner.advance(claim));
        io.skydeck.support.Operations.awaitTrue(() -> waitingFences() > 0, "the runner's fence waits on the operation's row");
        release.countDown();
        other.get(30, java.util.concurrent.TimeUnit.SECONDS);
        advanced.get(30, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(state(op).state()).isEqualTo(Operation.State.SUCCEEDED);
        as(token).get("/v1/servers/" + server).then().body("status", equalTo("ACTIVE"))
                .body("name", equalTo("renamed-while-fenced"));
    }

    private long waitingFences() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%WITH fence AS%'")
                .getSingleResult()).longValue());
    }

    private Response requestServer(String name) {
        return as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().response();
    }

    /** The runner's claim on {@code op}; other due operations it claimed in passing are advanced as usual. */
    private OperationRunner.Claim claimOnly(UUID op) {
        OperationRunner.Claim mine = null;
        for (OperationRunner.Claim claim : runner.claimDue()) {
            if (claim.operationId().equals(op)) {
                mine = claim;
            } else {
                runner.advance(claim);
            }
        }
        assertThat(mine).as("operation %s was due and unclaimed", op).isNotNull();
        return mine;
    }

    private Operation state(UUID op) {
        return QuarkusTransaction.requiringNew().call(() -> em.find(Operation.class, op));
    }

    private void dueNow(UUID op) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "UPDATE operation SET next_attempt_at = now() - interval '1 second' WHERE id = ?1").setParameter(1, op).executeUpdate());
    }

    private void setClaimedUntil(UUID op, OffsetDateTime until) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE operation SET claimed_until = ?1 WHERE id = ?2")
                .setParameter(1, until).setParameter(2, op).executeUpdate());
    }

    private Instant claimedUntil(UUID op) {
        return QuarkusTransaction.requiringNew().call(() -> em.find(Operation.class, op).claimedUntil());
    }

    private void drain() {
        io.skydeck.support.Operations.drain(runner, em);
    }
}
