package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
class WorkloadLifecycleTest {

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenantWithAProject() {
        tenant = createTenant(uniqueName("containers"), quota(32, 64, 0, 3, 0));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @Test
    void aDeploymentRunsScalesAndIsDeletedWithQuotaFollowing() {
        // 2 replicas x 500m / 768 MiB: 1 vCPU and 2 GiB (1536 MiB rounded up) of quota.
        Response accepted = as(token).body(workload("web", "Deployment", 2, 500, 768)).post("/v1/workloads")
                .then().statusCode(202)
                .body("resource.status", equalTo("CREATING"))
                .body("resource.provider", equalTo("sandbox"))
                .body("operation.kind", equalTo("CREATE_WORKLOAD"))
                .extract().response();
        String id = accepted.path("resource.id");
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/workloads/" + id).then().body("status", equalTo("RUNNING")).body("providerWorkloadId", notNullValue());
        as(token).get("/v1/tenants/" + tenant + "/quota").then()
                .body("used.vcpu", equalTo(1)).body("used.memoryGib", equalTo(2)).body("used.workloads", equalTo(1));

        // 5 replicas: 2500m -> 3 vCPU, 3840 MiB -> 4 GiB.
        Response scaling = as(token).body(Map.of("replicas", 5)).post("/v1/workloads/" + id + "/scale")
                .then().statusCode(202).body("resource.status", equalTo("SCALING")).extract().response();
        assertThat(awaitFinished(token, scaling.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/workloads/" + id).then().body("replicas", equalTo(5)).body("status", equalTo("RUNNING"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then()
                .body("used.vcpu", equalTo(3)).body("used.memoryGib", equalTo(4)).body("used.workloads", equalTo(1));

        Response deleting = as(token).delete("/v1/workloads/" + id).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/workloads/" + id).then().body("status", equalTo("DELETED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then()
                .body("used.vcpu", equalTo(0)).body("used.memoryGib", equalTo(0)).body("used.workloads", equalTo(0));
        List<String> kinds = as(token).get("/v1/workloads/" + id + "/events").then().extract().path("items.kind");
        assertThat(kinds).containsExactly("REQUESTED", "CREATED", "SCALED", "DELETED");
        as(token).get("/v1/workloads/" + id + "/placement").then()
                .body("decidedBy", equalTo("container-pools")).body("target.provider", equalTo("sandbox"));
    }

    @Test
    void aWorkloadLargerThanEveryPoolNamesTheFilterAndKeepsNoQuota() {
        // Each sandbox region has two pools of 16 cores: 40 replicas of 1 core fit nowhere.
        as(Tokens.admin()).body(quota(64, 64, 0, 3, 0)).put("/v1/tenants/" + tenant + "/quota").then().statusCode(200);
        as(token).body(workload("huge", "Deployment", 40, 1000, 128)).post("/v1/workloads")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:no-placement"))
                .body("detail", equalTo("no container pool fits: capacity rejected 2"))
                .body("errors[0].field", equalTo("placement.capacity"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.workloads", equalTo(0));
    }

    @Test
    void aDaemonSetCannotBeScaledAndBadInputIsRefused() {
        Response accepted = as(token).body(workload("agent", "DaemonSet", 7, 100, 64)).post("/v1/workloads")
                .then().statusCode(202).body("resource.replicas", equalTo(1)).extract().response();
        awaitFinished(token, accepted.path("operation.id"));
        as(token).body(Map.of("replicas", 3)).post("/v1/workloads/" + accepted.path("resource.id") + "/scale")
                .then().statusCode(400).body("detail", containsString("DaemonSet"));
        as(token).body(workload("bad", "ReplicaSet", 1, 100, 64)).post("/v1/workloads")
                .then().statusCode(400).body("errors[0].field", equalTo("kind"));
        as(token).body(workload("bad", "Deployment", 1, 0, 64)).post("/v1/workloads")
                .then().statusCode(400).body("errors[0].field", equalTo("cpuMillis"));
    }

    @Test
    void workloadQuotaIsEnforced() {
        // Three workloads allowed; the fourth is refused without touching the provider.
        for (int i = 0; i < 3; i++) {
            as(token).body(workload("w" + i, "Deployment", 1, 100, 64)).post("/v1/workloads").then().statusCode(202);
        }
        as(token).body(workload("w3", "Deployment", 1, 100, 64)).post("/v1/workloads")
                .then().statusCode(409).body("type", equalTo("urn:skydeck:problem:quota-exceeded"))
                .body("errors[0].field", equalTo("workloads"));
    }

    private Map<String, Object> workload(String name, String kind, int replicas, long cpuMillis, long memoryMib) {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        body.put("image", "registry.example/shop:1.4");
        body.put("kind", kind);
        body.put("replicas", replicas);
        body.put("cpuMillis", cpuMillis);
        body.put("memoryMib", memoryMib);
        return body;
    }
}
