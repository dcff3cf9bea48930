package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
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
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

/** A provider that skydeck.network.default-vpc.providers does not list: a create without a network gets none, as before. */
@QuarkusTest
@TestProfile(DefaultNetworkOffTest.AwsOnlyDefaults.class)
class DefaultNetworkOffTest {

    public static class AwsOnlyDefaults implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.network.default-vpc.providers", "aws");
        }
    }

    @Test
    void aServerOnAProviderNotListedIsInNoNetwork() {
        UUID tenant = createTenant(uniqueName("nodefvpc"), quota(8, 32, 2, 0, 0, 0));
        UUID project = createProject(tenant, "app");
        String token = Tokens.tenant(tenant);
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "bare", "flavor", "m1.small",
                "image", "debian-12")).post("/v1/servers").then().statusCode(202)
                .body("resource.placement.provider", equalTo("sandbox"))
                .body("resource.network", nullValue()).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("ACTIVE")).body("network", nullValue());
        as(token).get("/v1/networks").then().statusCode(200).body("items", hasSize(0));
    }
}
