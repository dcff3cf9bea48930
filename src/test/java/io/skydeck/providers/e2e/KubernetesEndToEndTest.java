package io.skydeck.providers.e2e;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.Workloads;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.skydeck.providers.e2e.KubernetesStub.cluster;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Skydeck with one Kubernetes cluster (fabric8's mock API server, CRUD mode) and no sandbox. The
 * workload is created through {@code POST /v1/workloads}; Skydeck's API has no workload delete yet,
 * so the test deletes through the registry's provider — the same guarded connector the runner uses.
 */
@QuarkusTest
@TestProfile(KubernetesEndToEndTest.KubernetesOnly.class)
class KubernetesEndToEndTest {

    public static class KubernetesOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.sandbox.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KubernetesStub.class));
        }
    }

    private record Call(String method, String path, String authorization) {
    }

    @Inject
    ProviderRegistry providers;

    @Test
    void aDeploymentIsCreatedInTheTenantsNamespaceWithItsTokenLabelAndDeletedAgain() throws InterruptedException {
        UUID tenant = createTenant(uniqueName("k8s"), quota(16, 64, 0, 4, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        String namespace = "skydeck-" + tenant;
        calls(); // forget start-up traffic

        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "web", "image", "nginx:1.27",
                        "kind", "Deployment", "replicas", 2, "cpuMillis", 250, "memoryMib", 256))
                .post("/v1/workloads").then().statusCode(202)
                .body("resource.provider", equalTo("k8s-test"))
                .body("resource.region", equalTo("eu-1"))
                .extract().response();
        String id = accepted.path("resource.id");
        Deployment stored = awaitDeployment(namespace, "web");
        playTheDeploymentController(stored);
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        assertThat(stored.getMetadata().getLabels()).containsEntry("skydeck.io/idempotency-token", "skydeck-wl-" + id);
        assertThat(stored.getSpec().getReplicas()).isEqualTo(2);
        var container = stored.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo("nginx:1.27");
        assertThat(container.getResources().getRequests().get("cpu").toString()).isEqualTo("250m");
        assertThat(container.getResources().getRequests().get("memory").toString()).isEqualTo("256Mi");
        List<Call> creation = calls();
        assertThat(creation).contains(new Call("POST", "/apis/apps/v1/namespaces/" + namespace + "/deployments",
                "Bearer " + KubernetesStub.TOKEN));
        assertThat(creation).allSatisfy(call -> assertThat(call.authorization()).isEqualTo("Bearer " + KubernetesStub.TOKEN));
        String providerId = as(token).get("/v1/workloads/" + id).then().statusCode(200)
                .body("status", equalTo("RUNNING")).extract().path("providerWorkloadId");

        Workloads workloads = providers.get("k8s-test").require(Workloads.class);
        var deletion = workloads.delete(providerId, IdempotencyToken.of("skydeck-wldel-" + id));
        assertThat(workloads.poll(deletion)).isInstanceOf(OperationStatus.Succeeded.class);

        assertThat(cluster.apps().deployments().inNamespace(namespace).withName("web").get()).isNull();
        assertThat(calls()).contains(new Call("DELETE", "/apis/apps/v1/namespaces/" + namespace + "/deployments/web",
                "Bearer " + KubernetesStub.TOKEN));
    }

    @Test
    void theClusterIsListedAsOneRegionWithItsNodesZonesAndNoServers() {
        String body = as(Tokens.scheduler()).get("/v1/providers/k8s-test").then().statusCode(200)
                .body("kind", equalTo("kubernetes"))
                .body("regions[0].id", equalTo("eu-1"))
                .body("regions[0].zones", equalTo(List.of("eu-1a")))
                .body("capabilities", equalTo(List.of("deployments", "inventory", "network-peerings", "networks", "security-groups",
                        "traffic-control", "workloads")))
                .extract().asString();
        assertThat(body).doesNotContain(KubernetesStub.TOKEN, KubernetesStub.tokenFile.toString());
    }

    @Test
    void aWorkloadInANetworkRunsInItsNamespaceAndItsPodsAreMembersOfItsGroups() throws InterruptedException {
        UUID tenant = createTenant(uniqueName("k8snet"), quota(16, 64, 0, 4, 0, 1));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        Response network = as(token).body(Map.of("projectId", project.toString(), "name", "shop", "cidr", "10.50.0.0/16",
                "hints", Map.of("provider", "k8s-test"))).post("/v1/networks").then().statusCode(202)
                .body("resource.subnets.size()", equalTo(0)).extract().response();
        assertThat(awaitFinished(token, network.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        String networkId = network.path("resource.id");
        String namespace = as(token).get("/v1/networks/" + networkId).then().body("status", equalTo("AVAILABLE"))
                .extract().path("providerNetworkId");
        assertThat(cluster.namespaces().withName(namespace).get()).as("the network is a namespace").isNotNull();

        Response group = as(token).body(Map.of("projectId", project.toString(), "networkId", networkId, "name", "web",
                "rules", List.of(Map.of("direction", "ingress", "protocol", "tcp", "portFrom", 80, "portTo", 80,
                        "remoteCidr", "10.0.0.0/8")))).post("/v1/security-groups").then().statusCode(202).extract().response();
        String groupId = group.path("resource.id");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!"AVAILABLE".equals(as(token).get("/v1/security-groups/" + groupId).then().extract().path("status"))) {
            assertThat(System.nanoTime()).as("the group is applied").isLessThan(deadline);
            Thread.sleep(50);
        }

        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "web", "image", "nginx:1.27",
                        "kind", "Deployment", "replicas", 2, "cpuMillis", 250, "memoryMib", 256, "networkId", networkId,
                        "securityGroups", List.of(groupId)))
                .post("/v1/workloads").then().statusCode(202).body("resource.networkId", equalTo(networkId)).extract().response();
        Deployment stored = awaitDeployment(namespace, "web");
        playTheDeploymentController(stored);
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        // The group's NetworkPolicy selects its members by this label; the pods carry it.
        assertThat(stored.getSpec().getTemplate().getMetadata().getLabels())
                .containsEntry("security-group.skydeck.io/skydeck-web", "member");
        as(token).delete("/v1/security-groups/" + groupId).then().statusCode(409);
        as(token).delete("/v1/networks/" + networkId).then().statusCode(409);
    }

    /** Writes what the Deployment controller would once the replicas run. */
    private static void playTheDeploymentController(Deployment stored) {
        stored.setStatus(new DeploymentStatusBuilder().withObservedGeneration(stored.getMetadata().getGeneration())
                .withReplicas(2).withUpdatedReplicas(2).withReadyReplicas(2).withAvailableReplicas(2)
                .addNewCondition().withType("Available").withStatus("True").withReason("MinimumReplicasAvailable").endCondition()
                .addNewCondition().withType("Progressing").withStatus("True").withReason("NewReplicaSetAvailable").endCondition()
                .build());
        cluster.resource(stored).updateStatus();
    }

    private static Deployment awaitDeployment(String namespace, String name) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline) {
            Deployment d = cluster.apps().deployments().inNamespace(namespace).withName(name).get();
            if (d != null) {
                return d;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no Deployment " + namespace + "/" + name + " was created");
    }

    /** The requests the mock server received since the last call, the test's own client's excluded. */
    private static List<Call> calls() throws InterruptedException {
        List<Call> calls = new ArrayList<>();
        RecordedRequest r;
        while ((r = KubernetesStub.server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            calls.add(new Call(r.getMethod(), r.getPath().split("\\?")[0], r.getHeader("Authorization")));
        }
        return calls;
    }
}
