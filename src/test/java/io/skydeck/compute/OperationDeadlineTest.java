package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.operations.OperationRunner;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * An operation the provider silently never finishes (the sandbox's shape of Nova dropping a
 * resize: still "in progress" for a day) fails at its kind's deadline and compensates, instead
 * of holding quota and blocking the server for ever. The runner is driven by hand.
 */
@QuarkusTest
@TestProfile(OperationDeadlineTest.ShortResizeDeadline.class)
class OperationDeadlineTest {

    public static class ShortResizeDeadline implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.operations.runner-enabled", "false",
                    "skydeck.operations.deadlines.RESIZE_SERVER", "PT2S");
        }
    }

    @Inject
    OperationRunner runner;

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    @AfterEach
    void noFaultsLeft() {
        ((SandboxCloud) providers.get("sandbox")).faults().clear();
    }

    @Test
    void aResizeThatNeverEndsFailsAtItsDeadlineAndGivesTheQuotaBack() throws Exception {
        UUID tenant = createTenant(uniqueName("deadline"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        Response created = as(token).body(Map.of("projectId", project.toString(), "name", "web-1", "flavor", "m1.small",
                "image", "debian-12")).post("/v1/servers").then().statusCode(202).extract().response();
        String serverId = created.path("resource.id");
        runUntil(token, created.path("operation.id"), "SUCCEEDED");

        ((SandboxCloud) providers.get("sandbox")).faults().inject(new Fault.Slow(SandboxCall.RESIZE_SERVER, Duration.ofDays(1)));
        Response resize = as(token).body(Map.of("action", "resize", "flavor", "m1.large"))
                .post("/v1/servers/" + serverId + "/actions").then().statusCode(202).extract().response();
        String op = resize.path("operation.id");
        // m1.small is 1 vCPU, m1.large 4: the growth of 3 is reserved while the resize runs.
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(4));
        runner.runOnce();
        as(token).get("/v1/operations/" + op).then().body("state", equalTo("RUNNING"));
        as(token).body(Map.of("action", "stop")).post("/v1/servers/" + serverId + "/actions").then().statusCode(409);

        runUntil(token, op, "FAILED");

        as(token).get("/v1/operations/" + op).then()
                .body("error.type", equalTo("urn:skydeck:problem:operation-deadline-exceeded"))
                .body("error.detail", containsString("PT2S"));
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("ACTIVE")).body("flavor", equalTo("m1.small"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1));
        as(token).body(Map.of("action", "stop")).post("/v1/servers/" + serverId + "/actions").then().statusCode(202);
    }

    /** Runner passes until the operation is in {@code state}, for at most 15 s. */
    private void runUntil(String token, String operationId, String state) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            runner.runOnce();
            if (state.equals(as(token).get("/v1/operations/" + operationId).then().extract().path("state"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("operation " + operationId + " not " + state + " within 15 s");
    }
}
