package io.skydeck.providers;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyIterable;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

/** {@code /v1/providers} on the default configuration: the sandbox alone. */
@QuarkusTest
class ProviderApiTest {

    @Inject
    ProviderRegistry providers;

    @AfterEach
    void noFaultsLeftBehind() {
        sandbox().faults().clear();
    }

    @Test
    void anAdminSeesTheSandboxWithItsRegionsZonesHealthAndCapabilities() {
        as(Tokens.admin()).get("/v1/providers").then().statusCode(200)
                .body("items.name", hasItem("sandbox"))
                .body("items.find { it.name == 'sandbox' }.kind", equalTo("sandbox"))
                .body("items.find { it.name == 'sandbox' }.regions.id", hasItems("sbx-east-1", "sbx-west-1"))
                .body("items.find { it.name == 'sandbox' }.regions.find { it.id == 'sbx-west-1' }.zones", hasItem("sbx-west-1b"))
                .body("items.find { it.name == 'sandbox' }.health.state", equalTo("UP"))
                .body("items.find { it.name == 'sandbox' }.capabilities", hasItems("servers", "workloads", "inventory", "price-list"))
                // in-process: no circuit to show
                .body("items.find { it.name == 'sandbox' }.circuit", nullValue());
    }

    @Test
    void aSchedulerMayListProvidersAndReadOne() {
        as(Tokens.scheduler()).get("/v1/providers").then().statusCode(200).body("items", not(emptyIterable()));
        as(Tokens.scheduler()).get("/v1/providers/sandbox").then().statusCode(200).body("name", equalTo("sandbox"));
    }

    @Test
    void tenantsAndFinanceMayNotSeeProviders() {
        for (String token : new String[] {Tokens.tenant(UUID.randomUUID()), Tokens.finance()}) {
            for (String path : new String[] {"/v1/providers", "/v1/providers/sandbox", "/v1/providers/sandbox/flavors"}) {
                as(token).get(path).then().statusCode(403).contentType("application/problem+json")
                        .body("type", equalTo("urn:skydeck:problem:forbidden"));
            }
        }
    }

    @Test
    void withoutATokenTheAnswerIs401() {
        RestAssured.given().get("/v1/providers").then().statusCode(401).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:unauthenticated"));
        as(Tokens.expired()).get("/v1/providers").then().statusCode(401);
    }

    @Test
    void anUnknownProviderIs404() {
        as(Tokens.admin()).get("/v1/providers/nimbus").then().statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:not-found"))
                .body("detail", equalTo("provider nimbus does not exist"));
    }

    @Test
    void flavorsAreAskedOfTheProviderForOneRegion() {
        as(Tokens.admin()).queryParam("region", "sbx-east-1").get("/v1/providers/sandbox/flavors").then().statusCode(200)
                .body("items.region", not(hasItem("sbx-west-1")))
                .body("items.find { it.id == 'm1.large' }.vcpu", equalTo(4))
                .body("items.find { it.id == 'm1.large' }.memoryMib", equalTo(8192));
    }

    @Test
    void aProviderFailureOnARequestIsProblemJsonWithTheProvidersMessage() {
        sandbox().faults().inject(new Fault.FailCall(SandboxCall.READ_INVENTORY,
                new ProviderUnavailable("sandbox", "compute API answered 503 Service Unavailable")));

        as(Tokens.admin()).get("/v1/providers/sandbox/flavors").then().statusCode(503)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:provider-unavailable"))
                .body("title", equalTo("The provider is unavailable"))
                .body("detail", equalTo("provider sandbox: compute API answered 503 Service Unavailable"))
                .body("requestId", not(nullValue()));
    }

    @Test
    void refusedCredentialsAreA502SayingAuthenticationFailed() {
        sandbox().faults().inject(new Fault.FailCall(SandboxCall.READ_INVENTORY,
                new AuthenticationFailed("sandbox", "The request you have made requires authentication.", "401", null)));

        as(Tokens.admin()).get("/v1/providers/sandbox/flavors").then().statusCode(502)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:provider-authentication-failed"))
                .body("detail", equalTo("provider sandbox: authentication failed: The request you have made requires authentication. (401)"));
    }

    @Test
    void throttlingOnARequestPassesTheProvidersRetryAfterOn() {
        sandbox().faults().inject(new Fault.FailCall(SandboxCall.READ_INVENTORY,
                new Throttled("sandbox", "Rate exceeded", Duration.ofSeconds(7))));

        as(Tokens.scheduler()).get("/v1/providers/sandbox/flavors").then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "7")
                .body("type", equalTo("urn:skydeck:problem:provider-throttled"))
                .body("detail", containsString("Rate exceeded"));
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }
}
