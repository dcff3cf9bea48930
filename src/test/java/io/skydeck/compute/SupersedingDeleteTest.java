package io.skydeck.compute;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.operations.OperationRunner;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * A DELETE of a resource whose operation is stuck supersedes that operation — ended CANCELLED,
 * undone as its failure would be — instead of answering 409 until it ends. The provider is kept
 * stuck with a day-long {@link Fault.Slow}; the runner is driven by hand.
 */
@QuarkusTest
@TestProfile(OperationRecoveryTest.RunnerOff.class)
class SupersedingDeleteTest {

    @Inject
    OperationRunner runner;

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenant() {
        tenant = createTenant(uniqueName("supersede"), quota(16, 64, 4, 4, 0));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void noFaultsLeft() {
        sandbox().faults().clear();
    }

    @Test
    void aDeleteSupersedesAStuckResizeAndDeletesTheServer() {
        String serverId = activeServer("stuck-resize");
        String providerId = as(token).get("/v1/servers/" + serverId).then().extract().path("providerServerId");
        sandbox().faults().inject(new Fault.Slow(SandboxCall.RESIZE_SERVER, Duration.ofDays(1)));
        String resize = as(token).body(Map.of("action", "resize", "flavor", "m1.large")).post("/v1/servers/" + serverId + "/actions")
                .then().statusCode(202).extract().path("operation.id");
        runner.runOnce();
        as(token).get("/v1/operations/" + resize).then().body("state", equalTo("RUNNING"));

        Response deleting = as(token).delete("/v1/servers/" + serverId).then().statusCode(202)
                .body("resource.status", equalTo("DELETING")).body("operation.kind", equalTo("DELETE_SERVER"))
                .extract().response();
        String delete = deleting.path("operation.id");

        as(token).get("/v1/operations/" + resize).then().body("state", equalTo("CANCELLED"))
                .body("error.detail", equalTo("superseded by delete " + delete));
        // The resize's growth (3 vCPU, 6 GiB) is back at once; the server's own share goes when the delete ends.
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1)).body("used.memoryGib", equalTo(2));
        as(token).queryParam("targetId", resize).get("/v1/audit").then().body("items.action", equalTo(List.of("operation.cancelled")));

        drain();

        as(token).get("/v1/operations/" + delete).then().body("state", equalTo("SUCCEEDED"));
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("DELETED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.servers", equalTo(0));
        assertThat(sandbox().require(Servers.class).get(providerId)).isEmpty();
    }

    @Test
    void aDeleteSupersedesAStuckCreateAndIsTheCleanUpOfWhatTheProviderMade() {
        sandbox().faults().inject(new Fault.Slow(SandboxCall.CREATE_SERVER, Duration.ofDays(1)));
        Response accepted = requestServer("stuck-build");
        UUID serverId = UUID.fromString(accepted.path("resource.id"));
        String create = accepted.path("operation.id");
        runner.runOnce();
        as(token).get("/v1/operations/" + create).then().body("state", equalTo("RUNNING"));

        String delete = as(token).delete("/v1/servers/" + serverId).then().statusCode(202)
                .body("resource.status", equalTo("DELETING")).body("operation.kind", equalTo("DELETE_SERVER"))
                .extract().path("operation.id");

        as(token).get("/v1/operations/" + create).then().body("state", equalTo("CANCELLED"))
                .body("error.detail", equalTo("superseded by delete " + delete));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.servers", equalTo(0));
        as(token).delete("/v1/servers/" + serverId).then().statusCode(202).body("operation.id", equalTo(delete));

        drain();

        as(token).get("/v1/operations/" + delete).then().body("state", equalTo("SUCCEEDED"));
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("DELETED"));
        assertThat(sandbox().require(Servers.class).findByToken(ServerOperations.createToken(serverId))).isEmpty();
        as(token).queryParam("targetId", serverId).get("/v1/audit").then().body("items.action", hasItem("server.deleted"));
        as(token).delete("/v1/servers/" + serverId).then().statusCode(204);
    }

    @Test
    void aDeleteWhileADeleteRunsAnswersTheOneUnderWay() {
        String serverId = activeServer("twice");
        String first = as(token).delete("/v1/servers/" + serverId).then().statusCode(202).extract().path("operation.id");

        as(token).delete("/v1/servers/" + serverId).then().statusCode(202)
                .body("operation.id", equalTo(first)).body("resource.status", equalTo("DELETING"));

        drain();
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("DELETED"));
        Number deletes = QuarkusTransaction.requiringNew().call(() -> (Number) em.createNativeQuery(
                "SELECT count(*) FROM operation WHERE target_id = ?1 AND kind = 'DELETE_SERVER'")
                .setParameter(1, UUID.fromString(serverId)).getSingleResult());
        assertThat(deletes.intValue()).isEqualTo(1);
    }

    @Test
    void aDeleteSupersedesAStuckScaleAndGivesItsGrowthBack() {
        // 2 replicas of 500 millicores and 512 MiB hold 1 vCPU and 1 GiB; 4 hold 2 and 2.
        String workloadId = as(token).body(workload("api", 2)).post("/v1/workloads").then().statusCode(202)
                .extract().path("resource.id");
        drain();
        sandbox().faults().inject(new Fault.Slow(SandboxCall.SCALE_WORKLOAD, Duration.ofDays(1)));
        String scale = as(token).body(Map.of("replicas", 4)).post("/v1/workloads/" + workloadId + "/scale")
                .then().statusCode(202).extract().path("operation.id");
        runner.runOnce();
        as(token).get("/v1/operations/" + scale).then().body("state", equalTo("RUNNING"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(2));

        String delete = as(token).delete("/v1/workloads/" + workloadId).then().statusCode(202)
                .body("resource.status", equalTo("DELETING")).extract().path("operation.id");

        as(token).get("/v1/operations/" + scale).then().body("state", equalTo("CANCELLED"))
                .body("error.detail", equalTo("superseded by delete " + delete));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1)).body("used.memoryGib", equalTo(1));
        drain();
        as(token).get("/v1/workloads/" + workloadId).then().body("status", equalTo("DELETED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.workloads", equalTo(0));
    }

    @Test
    void aWorkloadsCreateIsNeitherSupersededNorCancelled() {
        Response accepted = as(token).body(workload("fresh", 1)).post("/v1/workloads").then().statusCode(202).extract().response();
        String workloadId = accepted.path("resource.id");

        as(token).delete("/v1/workloads/" + workloadId).then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:operation-in-progress"))
                .body("detail", containsString("a workload's create cannot be cancelled"));
        as(token).post("/v1/operations/" + accepted.path("operation.id") + "/cancel").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:operation-not-cancellable"));

        drain();
        as(token).delete("/v1/workloads/" + workloadId).then().statusCode(202);
        drain();
    }

    private String activeServer(String name) {
        Response accepted = requestServer(name);
        drain();
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("ACTIVE"));
        return accepted.path("resource.id");
    }

    private Response requestServer(String name) {
        return as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().response();
    }

    private Map<String, Object> workload(String name, int replicas) {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        body.put("image", "registry.example/shop:1.4");
        body.put("kind", "Deployment");
        body.put("replicas", replicas);
        body.put("cpuMillis", 500);
        body.put("memoryMib", 512);
        return body;
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }

    private void drain() {
        io.skydeck.support.Operations.drain(runner, em);
    }
}
