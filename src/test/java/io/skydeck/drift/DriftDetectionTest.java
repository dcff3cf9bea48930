package io.skydeck.drift;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Drift on the sandbox: resources made and removed behind Skydeck's back are found and counted. */
@QuarkusTest
class DriftDetectionTest {

    @Inject
    ProviderRegistry providers;

    @Inject
    DriftDetector detector;

    @Test
    void orphansOfBothOriginsAndAGhostAreReportedAndCountedInTheGauge() {
        Servers servers = sandbox().require(Servers.class);
        // Orphans: one made by hand in the cloud, one that carries a Skydeck token nobody recorded.
        String byHand = servers.create(ServerSpec.of("made-by-hand", "sbx-east-1", "m1.small", "debian-12"),
                IdempotencyToken.of("console-" + UUID.randomUUID().toString().substring(0, 8))).resource().id();
        UUID lostId = UUID.randomUUID();
        String lost = servers.create(ServerSpec.of("lost-create", "sbx-east-1", "m1.small", "debian-12"),
                IdempotencyToken.of("skydeck-" + lostId)).resource().id();
        // A ghost: created through Skydeck, then deleted in the cloud behind its back.
        UUID tenant = createTenant(uniqueName("drift"), quota(16, 64, 4, 4, 1));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "ghost", "flavor", "m1.small",
                "image", "debian-12")).post("/v1/servers").then().statusCode(202).extract().response();
        awaitFinished(token, accepted.path("operation.id"));
        String ghostServer = accepted.path("resource.id");
        String ghost = as(token).get("/v1/servers/" + ghostServer).then().extract().path("providerServerId");
        var deletion = servers.delete(ghost, IdempotencyToken.of("behind-the-back"));
        awaitGone(servers, deletion);

        detector.syncAll();

        Response report = as(Tokens.admin()).queryParam("provider", "sandbox").get("/v1/drift").then().statusCode(200)
                .extract().response();
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + byHand + "' }.kind")).isEqualTo("orphan");
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + byHand + "' }.origin")).isEqualTo("no-token");
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + lost + "' }.origin")).isEqualTo("skydeck-token");
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + lost + "' }.resourceId")).isEqualTo(lostId.toString());
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + ghost + "' }.kind")).isEqualTo("ghost");
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + ghost + "' }.resourceId")).isEqualTo(ghostServer);
        assertThat(report.<String>path("items.find { it.providerResourceId == '" + ghost + "' }.tenantId")).isEqualTo(tenant.toString());
        assertThat(report.<String>path("syncs.find { it.provider == 'sandbox' }.error")).isNull();

        int orphans = report.<java.util.List<String>>path("items.findAll { it.kind == 'orphan' }.kind").size();
        int ghosts = report.<java.util.List<String>>path("items.findAll { it.kind == 'ghost' }.kind").size();
        assertThat(orphans).isGreaterThanOrEqualTo(2);
        assertThat(ghosts).isGreaterThanOrEqualTo(1);
        String metrics = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("skydeck_drift_resources{kind=\"orphan\",provider=\"sandbox\"} " + orphans + ".0");
        assertThat(metrics).contains("skydeck_drift_resources{kind=\"ghost\",provider=\"sandbox\"} " + ghosts + ".0");

        // Once the orphans are gone from the cloud, the next sync no longer reports them.
        awaitGone(servers, servers.delete(byHand, IdempotencyToken.of("cleanup-1")));
        awaitGone(servers, servers.delete(lost, IdempotencyToken.of("cleanup-2")));
        detector.syncAll();
        as(Tokens.scheduler()).queryParam("kind", "orphan").get("/v1/drift").then().statusCode(200)
                .body("items.findAll { it.providerResourceId == '" + byHand + "' }.size()", equalTo(0))
                .body("items.findAll { it.providerResourceId == '" + lost + "' }.size()", equalTo(0));
    }

    @Test
    void driftIsForOperatorsOnly() {
        for (String role : new String[] {Tokens.tenant(UUID.randomUUID()), Tokens.finance()}) {
            as(role).get("/v1/drift").then().statusCode(403).contentType("application/problem+json")
                    .body("type", equalTo("urn:skydeck:problem:forbidden"));
            as(role).post("/v1/drift/sync").then().statusCode(403).contentType("application/problem+json");
        }
        RestAssured.given().get("/v1/drift").then().statusCode(401).contentType("application/problem+json");
        as(Tokens.scheduler()).post("/v1/drift/sync").then().statusCode(200)
                .body("syncs.find { it.provider == 'sandbox' }.provider", equalTo("sandbox"));
    }

    @Test
    void anUnknownKindFilterIsA400() {
        as(Tokens.admin()).queryParam("kind", "zombie").get("/v1/drift").then().statusCode(400)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:validation"))
                .body("errors[0].field", equalTo("kind"));
    }

    private static void awaitGone(Servers servers, io.skydeck.connectors.spi.OperationHandle handle) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(servers.poll(handle) instanceof OperationStatus.Succeeded)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the sandbox did not finish " + handle);
            }
            Thread.onSpinWait();
        }
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }
}
