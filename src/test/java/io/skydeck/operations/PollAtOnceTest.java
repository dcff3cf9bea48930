package io.skydeck.operations;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.InterceptedProvider;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * The instant sandbox reads its own writes, so the runner polls it in the pass that submitted:
 * a create it finished at once ends in that pass, and everything that can happen on a poll —
 * a provider error, a claim lost meanwhile — is written (or not) exactly as on a later pass.
 */
@QuarkusTest
@TestProfile(PollAtOnceTest.RunnerOffPollAtOnce.class)
class PollAtOnceTest {

    public static class RunnerOffPollAtOnce implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.operations.runner-enabled", "false", "skydeck.network.default-vpc.providers", "none",
                    "skydeck.operations.poll-at-once", "true");
        }
    }

    @Inject
    OperationRunner runner;

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    CloudProvider sandbox;
    UUID project;
    String token;

    @BeforeEach
    void aTenant() {
        sandbox = providers.get("sandbox");
        UUID tenant = createTenant(uniqueName("at-once"), quota(64, 256, 10, 10, 2));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void putTheSandboxBack() {
        providers.replace(sandbox);
        ((SandboxCloud) sandbox).faults().clear();
    }

    @Test
    void anInstantCreateIsBuiltInThePassThatSubmitsIt() {
        String server = requestServer("quick");
        UUID op = operationOf(server);

        runner.runOnce();

        Operation done = state(op);
        assertThat(done.state()).isEqualTo(Operation.State.SUCCEEDED);
        assertThat(done.providerHandle()).as("the acceptance is written with the success").isNotNull();
        assertThat(done.attempts()).isZero();
        assertThat(done.claimToken()).isNull();
        as(token).get("/v1/servers/" + server).then().body("status", equalTo("ACTIVE")).body("providerServerId", notNullValue());
    }

    @Test
    void aPollFailingRightAfterTheSubmitCountsAsAnAttemptAndKeepsTheHandle() {
        String server = requestServer("flaky-poll");
        UUID op = operationOf(server);
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("create")) {
                // Accepted; the poll that follows at once finds the provider down.
                ((SandboxCloud) sandbox).faults().inject(new Fault.FailCall(SandboxCall.READ_SERVERS,
                        new ProviderUnavailable("sandbox", "down for maintenance", "503", null)));
            }
        }));

        runner.runOnce();

        Operation polled = state(op);
        assertThat(polled.state()).as("accepted, so polled on the next pass, not submitted again").isEqualTo(Operation.State.RUNNING);
        assertThat(polled.providerHandle()).isNotNull();
        assertThat(polled.attempts()).isEqualTo(1);

        providers.replace(sandbox);
        dueNow(op);
        runner.runOnce();
        assertThat(state(op).state()).isEqualTo(Operation.State.SUCCEEDED);
        as(token).get("/v1/servers/" + server).then().body("status", equalTo("ACTIVE"));
    }

    @Test
    void aClaimLostDuringTheSubmitWritesNeitherTheAcceptanceNorTheOutcome() {
        String server = requestServer("late");
        UUID op = operationOf(server);
        UUID otherReplica = UUID.randomUUID();
        AtomicBoolean takenOver = new AtomicBoolean();
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("create") && takenOver.compareAndSet(false, true)) {
                // The call stalls past the claim; another replica holds the operation now.
                QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "UPDATE operation SET claim_token = ?1 WHERE id = ?2").setParameter(1, otherReplica)
                        .setParameter(2, op).executeUpdate());
            }
        }));

        runner.runOnce();

        Operation untouched = state(op);
        assertThat(takenOver).isTrue();
        assertThat(untouched.state()).isEqualTo(Operation.State.PENDING);
        assertThat(untouched.providerHandle()).isNull();
        assertThat(untouched.claimToken()).isEqualTo(otherReplica);
        as(token).get("/v1/servers/" + server).then().body("status", equalTo("BUILDING"));
    }

    @Test
    void theOperationsOfABatchAdvanceSideBySide() {
        String first = requestServer("side-a");
        String second = requestServer("side-b");
        // Each create waits at the provider until the other has arrived there too (10 s at most):
        // advanced one after the other, the first would wait alone and the most at once would be one.
        CountDownLatch bothAtTheProvider = new CountDownLatch(2);
        AtomicInteger atTheProvider = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("create") && args[0] instanceof ServerSpec spec && spec.name().startsWith("side-")) {
                mostAtOnce.accumulateAndGet(atTheProvider.incrementAndGet(), Math::max);
                bothAtTheProvider.countDown();
                try {
                    bothAtTheProvider.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    atTheProvider.decrementAndGet();
                }
            }
        }));

        int claimed = runner.runOnce();

        assertThat(claimed).isGreaterThanOrEqualTo(2);
        assertThat(mostAtOnce.get()).as("both creates were at the provider at the same time").isEqualTo(2);
        assertThat(state(operationOf(first)).state()).isEqualTo(Operation.State.SUCCEEDED);
        assertThat(state(operationOf(second)).state()).isEqualTo(Operation.State.SUCCEEDED);
        as(token).get("/v1/servers/" + second).then().body("status", equalTo("ACTIVE"));
    }

    private String requestServer(String name) {
        return as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().path("resource.id");
    }

    private UUID operationOf(String server) {
        return QuarkusTransaction.requiringNew().call(() -> (UUID) em.createNativeQuery(
                "SELECT id FROM operation WHERE target_id = ?1", UUID.class).setParameter(1, UUID.fromString(server)).getSingleResult());
    }

    private Operation state(UUID op) {
        return QuarkusTransaction.requiringNew().call(() -> em.find(Operation.class, op));
    }

    private void dueNow(UUID op) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "UPDATE operation SET next_attempt_at = now() - interval '1 second' WHERE id = ?1").setParameter(1, op).executeUpdate());
    }
}
