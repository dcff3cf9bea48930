package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

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
import static org.hamcrest.Matchers.equalTo;

/**
 * A resize the provider carries out on another host (Nova migrates; the sandbox does when the
 * server's host has no room): the record, the ledger and the engine follow the provider. The
 * cloud has one zone of two hosts of 4 vCPU; "someone else" fills the server's host in the cloud
 * after Skydeck last read it, so Skydeck's view still has room there and lets the resize through.
 */
@QuarkusTest
@TestProfile(MigratingResizeTest.TwoHosts.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigratingResizeTest {

    public static class TwoHosts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.sandbox.topology-file", "target/test-classes/migration/topology-2-hosts.json");
        }
    }

    private static final String H1 = "mig-1a-h1";
    private static final String H2 = "mig-1a-h2";

    @Inject
    ProviderRegistry providers;

    /**
     * A resize the tenant's quota refuses holds nothing: the host's row is locked before the quota
     * rows, so the engine already holds the new size when the quota says no — and must let it go.
     * Runs first and deletes its server, so the zone is empty for the next test.
     */
    @Test
    @Order(1)
    void aResizeTheQuotaRefusesLeavesTheCapacityAsItWas() {
        UUID tenant = createTenant(uniqueName("quota"), quota(2, 64, 2, 0, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        String serverId = createOn(tenant, project, "small-1", H1);
        int freeBefore = zoneFreeVcpus();

        as(token).body(Map.of("action", "resize", "flavor", "m1.large")).post("/v1/servers/" + serverId + "/actions")
                .then().statusCode(409).body("type", equalTo("urn:skydeck:problem:quota-exceeded"));

        assertThat(zoneFreeVcpus()).as("free vCPUs of the zone").isEqualTo(freeBefore);
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("ACTIVE")).body("vcpu", equalTo(2));
        Response deleting = as(token).delete("/v1/servers/" + serverId).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    @Test
    @Order(2)
    void aResizeTheProviderMovedToAnotherHostMovesTheRecordAndItsCapacity() {
        UUID tenant = createTenant(uniqueName("migrate"), quota(16, 64, 6, 0, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        String serverId = createOn(tenant, project, "web-1", H1);

        // Someone else takes the other half of h1 in the cloud: no room left there to grow web-1.
        ((SandboxCloud) providers.get("sandbox")).require(Servers.class)
                .create(ServerSpec.of("not-skydecks", "mig-1", "m1.medium", "debian-12").onHost("mig-1a", H1),
                        IdempotencyToken.of("foreign-1"));

        Response resize = as(token).body(Map.of("action", "resize", "flavor", "m1.large"))
                .post("/v1/servers/" + serverId + "/actions").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, resize.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + serverId).then().statusCode(200)
                .body("status", equalTo("ACTIVE"))
                .body("flavor", equalTo("m1.large"))
                .body("vcpu", equalTo(4))
                .body("hourlyPrice", equalTo(0.08f))
                .body("placement.zone", equalTo("mig-1a"))
                .body("placement.host", equalTo(H2));
        List<Map<String, Object>> moves = as(Tokens.admin()).get("/v1/audit?action=server.moved&targetId=" + serverId)
                .then().statusCode(200).extract().path("items");
        assertThat(moves).singleElement().satisfies(move -> {
            Map<?, ?> details = (Map<?, ?>) move.get("details");
            assertThat(details.get("from")).isEqualTo("mig-1a/" + H1);
            assertThat(details.get("to")).isEqualTo("mig-1a/" + H2);
        });

        // The 4 vCPU of web-1 are held on h2 now: nothing more fits there, while h1 (2 of 4 taken
        // by someone else, unknown to Skydeck until a refresh) takes a server of 2 again.
        as(Tokens.scheduler()).body(createBody(tenant, project, "web-2", H2)).post("/v1/servers").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:no-placement"));
        String onH1 = createOn(tenant, project, "web-3", H1);
        as(token).get("/v1/servers/" + onH1).then().body("status", equalTo("ACTIVE")).body("placement.host", equalTo(H1));

        // A refresh reads the cloud as it is: 2 + 2 vCPU on h1 and 4 on h2, the zone full.
        List<Map<String, Object>> zones = as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200)
                .extract().path("items");
        assertThat(zones).singleElement().satisfies(zone -> {
            assertThat(((Map<?, ?>) zone.get("free")).get("vcpu")).isEqualTo(0);
            assertThat(zone.get("hostsInUse")).isEqualTo(2);
        });
    }

    private static int zoneFreeVcpus() {
        List<Map<String, Object>> zones = as(Tokens.admin()).get("/v1/capacity?provider=sandbox").then().statusCode(200)
                .extract().path("items");
        assertThat(zones).hasSize(1);
        return (Integer) ((Map<?, ?>) zones.get(0).get("free")).get("vcpu");
    }

    private String createOn(UUID tenant, UUID project, String name, String host) {
        Response created = as(Tokens.scheduler()).body(createBody(tenant, project, name, host)).post("/v1/servers")
                .then().statusCode(202).extract().response();
        assertThat(awaitFinished(Tokens.tenant(tenant), created.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return created.path("resource.id");
    }

    private static Map<String, Object> createBody(UUID tenant, UUID project, String name, String host) {
        return Map.of("tenantId", tenant.toString(), "projectId", project.toString(), "name", name, "flavor", "m1.medium",
                "image", "debian-12", "target", Map.of("provider", "sandbox", "region", "mig-1", "zone", "mig-1a", "host", host));
    }
}
