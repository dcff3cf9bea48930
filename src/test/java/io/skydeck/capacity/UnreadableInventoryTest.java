package io.skydeck.capacity;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

/**
 * A provider whose inventory cannot be read (here: credentials refused) at start-up or on a
 * refresh. Start-up runs the same {@link PlacementService#rebuild} a refresh does, and used to
 * die of "unknown host" when Skydeck had servers there.
 */
@QuarkusTest
class UnreadableInventoryTest {

    @Inject
    ProviderRegistry providers;

    @AfterEach
    void readItAgain() {
        sandbox().faults().clear();
        as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200);
    }

    @Test
    void refusedCredentialsLeaveHoldsInPlaceShowTheProviderUnavailableAndAnswerAProblem() {
        UUID tenant = createTenant(uniqueName("unreadable"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        var accepted = as(Tokens.tenant(tenant))
                .body(Map.of("projectId", project.toString(), "name", "web-1", "flavor", "m1.large", "image", "debian-12",
                        "hints", Map.of("region", "sbx-east-1")))
                .post("/v1/servers").then().statusCode(202).extract().response();
        assertThat(awaitFinished(Tokens.tenant(tenant), accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        String zone = accepted.path("resource.placement.zone");

        sandbox().faults().inject(new Fault.FailCall(SandboxCall.READ_INVENTORY,
                new AuthenticationFailed("sandbox", "The request you have made requires authentication.", "401", null)));

        as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(502)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:provider-authentication-failed"))
                .body("detail", containsString("authentication failed"));

        // The server stays held where it was last seen: its zone still shows it, and has no room for more.
        List<Map<String, Object>> zones = as(Tokens.admin()).get("/v1/capacity?provider=sandbox&region=sbx-east-1")
                .then().statusCode(200).extract().path("items");
        assertThat(zones).anySatisfy(z -> {
            assertThat(z.get("zone")).isEqualTo(zone);
            assertThat((Integer) ((Map<?, ?>) z.get("capacity")).get("vcpu")).isGreaterThanOrEqualTo(4);
            assertThat((Integer) z.get("hostsInUse")).isGreaterThanOrEqualTo(1);
        });
        assertThat(zones).allSatisfy(z -> assertThat(((Map<?, ?>) z.get("free")).get("vcpu")).isEqualTo(0));
        as(Tokens.tenant(tenant))
                .body(Map.of("projectId", project.toString(), "name", "web-2", "flavor", "m1.large", "image", "debian-12"))
                .post("/v1/servers").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:no-placement"));

        as(Tokens.admin()).get("/v1/providers/sandbox").then().statusCode(200)
                .body("inventory.state", equalTo("unreadable"))
                .body("inventory.problemType", equalTo("urn:skydeck:problem:provider-authentication-failed"))
                .body("inventory.serversHeldOnHosts", greaterThanOrEqualTo(1));
        RestAssured.get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'providers' }.data.state", equalTo("DEGRADED"))
                .body("checks.find { it.name == 'providers' }.data.sandbox", containsString("authentication failed"));

        // Credentials fixed: the next refresh reads the inventory and the zone has room again.
        as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200);
        as(Tokens.admin()).get("/v1/providers/sandbox").then().body("inventory.state", equalTo("read"));
        RestAssured.get("/q/health/ready").then().body("checks.find { it.name == 'providers' }.data.state", equalTo("UP"));
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }
}
