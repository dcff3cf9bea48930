package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.InterceptedProvider;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * No call to a provider while a transaction is open: a transaction holds row locks (the quota
 * row, the idempotency key, the operation, the placement ledger) and a cloud may take 30 s to
 * answer. The sandbox is wrapped so that every call of every capability, from whichever thread
 * (request workers, the operation runner), checks the thread's transaction; the whole life of
 * a server and of a workload then runs through the API.
 */
@QuarkusTest
class ProviderCallsOutsideTransactionsTest {

    @Inject
    ProviderRegistry providers;

    @Inject
    TransactionManager transactions;

    CloudProvider sandbox;
    final List<String> insideTransaction = new CopyOnWriteArrayList<>();
    final Set<String> called = ConcurrentHashMap.newKeySet();
    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void watchEveryProviderCall() {
        tenant = createTenant(uniqueName("no-tx"), quota(64, 256, 10, 10, 2));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
        sandbox = providers.get("sandbox");
        providers.replace(new InterceptedProvider(sandbox, (method, args) -> {
            called.add(method.getName());
            if (transactionOpen()) {
                insideTransaction.add(method.getDeclaringClass().getSimpleName() + "." + method.getName()
                        + " on " + Thread.currentThread().getName() + " from " + caller());
            }
        }));
    }

    @AfterEach
    void putTheSandboxBack() {
        providers.replace(sandbox);
    }

    @Test
    void aServerAndAWorkloadLiveTheirWholeLivesWithoutAProviderCallInsideATransaction() {
        Response server = as(token).header("Idempotency-Key", uniqueName("srv"))
                .body(Map.of("projectId", project.toString(), "name", "web", "flavor", "m1.small", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(202).extract().response();
        String serverId = server.path("resource.id");
        awaitFinished(token, server.path("operation.id"));
        act(serverId, Map.of("action", "stop"));
        act(serverId, Map.of("action", "resize", "flavor", "m1.medium"));
        act(serverId, Map.of("action", "start"));
        as(token).get("/v1/servers/" + serverId).then().body("flavor", equalTo("m1.medium")).body("status", equalTo("ACTIVE"));
        awaitFinished(token, as(token).delete("/v1/servers/" + serverId).then().statusCode(202).extract().path("operation.id"));

        Map<String, Object> body = new HashMap<>(Map.of("projectId", project.toString(), "name", "api", "kind", "Deployment",
                "image", "registry.example/shop:1.4", "replicas", 2, "cpuMillis", 500, "memoryMib", 512));
        Response workload = as(token).header("Idempotency-Key", uniqueName("wl")).body(body).post("/v1/workloads")
                .then().statusCode(202).extract().response();
        String workloadId = workload.path("resource.id");
        awaitFinished(token, workload.path("operation.id"));
        awaitFinished(token, as(token).header("Idempotency-Key", uniqueName("scale")).body(Map.of("replicas", 3))
                .post("/v1/workloads/" + workloadId + "/scale").then().statusCode(202).extract().path("operation.id"));
        awaitFinished(token, as(token).delete("/v1/workloads/" + workloadId).then().statusCode(202).extract().path("operation.id"));

        as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200);

        assertThat(called).as("the wrapped provider was the one called")
                .contains("create", "stop", "resize", "start", "delete", "scale", "poll", "containerCapacity", "flavorPrice",
                        "hosts");
        assertThat(insideTransaction).as("provider calls made inside a transaction").isEmpty();
    }

    private void act(String serverId, Map<String, String> action) {
        String op = as(token).header("Idempotency-Key", uniqueName("act")).body(action)
                .post("/v1/servers/" + serverId + "/actions").then().statusCode(202).extract().path("operation.id");
        assertThat(awaitFinished(token, op).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    private boolean transactionOpen() {
        try {
            return transactions.getStatus() != Status.STATUS_NO_TRANSACTION;
        } catch (SystemException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first frame of ours outside the proxy and this test: who called the provider. */
    private static String caller() {
        return StackWalker.getInstance().walk(frames -> frames
                .map(f -> f.getClassName() + "." + f.getMethodName() + ":" + f.getLineNumber())
                .filter(f -> f.startsWith("io.skydeck.") && !f.startsWith("io.skydeck.support.")
                        && !f.startsWith("io.skydeck.compute.ProviderCallsOutsideTransactionsTest"))
                .findFirst().orElse("?"));
    }
}
