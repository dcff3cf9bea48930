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
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.InterceptedProvider;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

/**
 * {@code POST /v1/operations/{id}/cancel}: the owner or an admin stops an operation, which is
 * undone exactly as its failure would be, and no replica still working on it can write over the
 * cancel. The runner is driven by hand, so every operation is exactly where the test put it.
 */
@QuarkusTest
@TestProfile(OperationRecoveryTest.RunnerOff.class)
class CancelOperationTest {

    @Inject
    OperationRunner runner;

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    CloudProvider sandbox;
    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenant() {
        sandbox = providers.get("sandbox");
        // m1.small is 1 vCPU / 2 GiB, m1.large 4 vCPU / 8 GiB.
        tenant = createTenant(uniqueName("cancel"), quota(16, 64, 4, 4, 0));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void putTheSandboxBack() {
        providers.replace(sandbox);
        ((SandboxCloud) sandbox).faults().clear();
    }

    @Test
    void cancellingARunningResizeGivesTheGrowthBackAndLeavesTheServerOnItsOldFlavor() {
        String serverId = activeServer("resized");
        faults().inject(new Fault.Slow(SandboxCall.RESIZE_SERVER, Duration.ofDays(1)));
        String op = as(token).body(Map.of("action", "resize", "flavor", "m1.large")).post("/v1/servers/" + serverId + "/actions")
                .then().statusCode(202).extract().path("operation.id");
        runner.runOnce();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("RUNNING"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(4)).body("used.memoryGib", equalTo(8));

        as(token).post("/v1/operations/" + op + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"))
                .body("error.type", equalTo("urn:skydeck:problem:operation-cancelled"))
                .body("error.detail", equalTo("cancelled by user@" + tenant))
                .body("finishedAt", notNullValue());

        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("ACTIVE")).body("flavor", equalTo("m1.small"))
                .body("vcpu", equalTo(1));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1)).body("used.memoryGib", equalTo(2));
        List<String> actions = as(token).queryParam("targetId", op).get("/v1/audit").then().extract().path("items.action");
        assertThat(actions).containsExactly("operation.cancelled");
        as(token).queryParam("targetId", serverId).get("/v1/audit").then().body("items.action", hasItem("server.resize-cancelled"));

        runner.runOnce();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("CANCELLED"));
        as(token).post("/v1/operations/" + op + "/cancel").then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:operation-not-cancellable"))
                .body("detail", containsString("already CANCELLED"));
    }

    @Test
    void cancellingARunningCreateGivesEverythingBackAndDeletesWhatTheProviderMade() {
        faults().inject(new Fault.Slow(SandboxCall.CREATE_SERVER, Duration.ofDays(1)));
        Response accepted = requestServer("half-built", "m1.large");
        UUID serverId = UUID.fromString(accepted.path("resource.id"));
        String op = accepted.path("operation.id");
        runner.runOnce();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("RUNNING"));
        assertThat(servers().findByToken(createToken(serverId))).as("the provider is building it").isPresent();

        as(Tokens.admin()).post("/v1/operations/" + op + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED")).body("error.detail", equalTo("cancelled by admin@test"));

        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("FAILED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.servers", equalTo(0));
        List<Map<String, Object>> onServer = as(token).queryParam("targetId", serverId).get("/v1/operations").then()
                .extract().path("items");
        assertThat(onServer).extracting(o -> o.get("kind") + " " + o.get("state"))
                .containsExactly("CREATE_SERVER CANCELLED", "DELETE_SERVER PENDING");

        drain();

        assertThat(servers().findByToken(createToken(serverId))).as("nothing left in the provider").isEmpty();
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("FAILED"));
        List<String> kinds = as(token).get("/v1/servers/" + serverId + "/events").then().extract().path("items.kind");
        assertThat(kinds).containsExactly("REQUESTED", "FAILED");
        as(token).queryParam("targetId", serverId).get("/v1/audit").then()
                .body("items.action", hasItem("server.create-cancelled")).body("items.action", hasItem("server.cleaned-up"));
    }

    @Test
    void aFollowerOfTheOperationIsToldOfTheCancelAndTheStreamEnds() throws Exception {
        String op = requestServer("followed", "m1.small").path("operation.id");
        CompletableFuture<String> stream = CompletableFuture.supplyAsync(() -> as(token).accept("text/event-stream")
                .get("/v1/operations/" + op + "/stream").then().statusCode(200).extract().asString());
        Thread.sleep(500); // the follower has (most likely) been told PENDING

        as(token).post("/v1/operations/" + op + "/cancel").then().statusCode(200);

        List<String> events = stream.get(10, TimeUnit.SECONDS).lines().filter(l -> l.startsWith("data:")).toList();
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1)).contains("\"state\":\"CANCELLED\"");
        drain();
    }

    @Test
    void aFinishedOperationIsNotCancellable() {
        Response accepted = requestServer("finished", "m1.small");
        drain();

        as(token).post("/v1/operations/" + accepted.path("operation.id") + "/cancel").then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:operation-not-cancellable"))
                .body("detail", containsString("already SUCCEEDED"));
    }

    @Test
    void aDeleteIsNotCancellable() {
        String serverId = activeServer("going");
        String delete = as(token).delete("/v1/servers/" + serverId).then().statusCode(202).extract().path("operation.id");

        as(token).post("/v1/operations/" + delete + "/cancel").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:operation-not-cancellable"))
                .body("detail", containsString("a delete cannot be cancelled"));
        as(token).get("/v1/operations/" + delete).then().body("state", equalTo("PENDING"));

        drain();
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("DELETED"));
    }

    @Test
    void anotherTenantsOperationIsNotFoundAndASchedulerMayNotCancel() {
        Response accepted = requestServer("mine", "m1.small");
        String op = accepted.path("operation.id");
        UUID other = createTenant(uniqueName("other"));

        as(Tokens.tenant(other)).post("/v1/operations/" + op + "/cancel").then().statusCode(404)
                .contentType("application/problem+json");
        as(Tokens.scheduler()).post("/v1/operations/" + op + "/cancel").then().statusCode(403);
        as(token).post("/v1/operations/" + UUID.randomUUID() + "/cancel").then().statusCode(404);
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("PENDING"));
        drain();
    }

    @Test
    void aRepeatedCancelWithTheSameIdempotencyKeyAnswersTheFirst() {
        Response accepted = requestServer("twice", "m1.small");
        String op = accepted.path("operation.id");

        as(token).header("Idempotency-Key", "cancel-" + op).post("/v1/operations/" + op + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
        as(token).header("Idempotency-Key", "cancel-" + op).post("/v1/operations/" + op + "/cancel").then().statusCode(200)
                .header("Idempotency-Replayed", "true").body("state", equalTo("CANCELLED"));
        drain();
    }

    /**
     * A replica polls the resize (the provider is about to say it succeeded) when the tenant cancels
     * it. The replica's write of that success is fenced on its claim: it must change nothing.
     */
    @Test
    void aReplicaStillPollingCannotWriteOverACancel() {
        String serverId = activeServer("fenced");
        String op = as(token).body(Map.of("action", "resize", "flavor", "m1.large")).post("/v1/servers/" + serverId + "/actions")
                .then().statusCode(202).extract().path("operation.id");
        OperationRunner.Claim submitting = claimOnly(UUID.fromString(op));
        runner.advance(submitting);
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("RUNNING"));

        OperationRunner.Claim polling = claimOnly(UUID.fromString(op));
        AtomicReference<String> cancelledDuringPoll = new AtomicReference<>();
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            if (method.getName().equals("poll") && cancelledDuringPoll.get() == null) {
                cancelledDuringPoll.set(as(token).post("/v1/operations/" + op + "/cancel").then().statusCode(200)
                        .extract().path("state"));
            }
        }));

        runner.advance(polling); // the provider answers: resized

        assertThat(cancelledDuringPoll.get()).isEqualTo("CANCELLED");
        Operation row = QuarkusTransaction.requiringNew().call(() -> em.find(Operation.class, UUID.fromString(op)));
        assertThat(row.state()).isEqualTo(Operation.State.CANCELLED);
        assertThat(row.claimToken()).isNull();
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("ACTIVE")).body("flavor", equalTo("m1.small"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1));
        List<String> kinds = as(token).get("/v1/servers/" + serverId + "/events").then().extract().path("items.kind");
        assertThat(kinds).doesNotContain("RESIZED");
    }

    private String activeServer(String name) {
        Response accepted = requestServer(name, "m1.small");
        drain();
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("ACTIVE"));
        return accepted.path("resource.id");
    }

    private Response requestServer(String name, String flavor) {
        return as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", flavor, "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().response();
    }

    private io.skydeck.connectors.sandbox.SandboxFaults faults() {
        return ((SandboxCloud) sandbox).faults();
    }

    private Servers servers() {
        return sandbox.require(Servers.class);
    }

    private static IdempotencyToken createToken(UUID serverId) {
        return IdempotencyToken.of("skydeck-" + serverId);
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

    private void drain() {
        io.skydeck.support.Operations.drain(runner, em);
    }
}
