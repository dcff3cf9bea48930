package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
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
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class PublicIpApiTest {

    @Inject
    ProviderRegistry providers;

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenantWithAProject() {
        tenant = createTenant(uniqueName("pipten"), quota(8, 16, 2, 0, 1, 0));
        project = createProject(tenant, "edge");
        token = Tokens.tenant(tenant);
    }

    @Test
    void anAddressIsAllocatedPointedAtAServerAndReleasedWithQuotaFollowing() {
        String server = createServer("web");
        Response allocating = as(token).body(Map.of("projectId", project.toString(), "region", "sbx-east-1")).post("/v1/public-ips")
                .then().statusCode(202).body("resource.status", equalTo("ALLOCATING"))
                .body("operation.kind", equalTo("ALLOCATE_PUBLIC_IP")).extract().response();
        String id = allocating.path("resource.id");
        assertThat(awaitFinished(token, allocating.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response allocated = as(token).get("/v1/public-ips/" + id).then().statusCode(200)
                .body("status", equalTo("ALLOCATED")).body("serverId", nullValue()).extract().response();
        String address = allocated.path("address");
        String providerId = allocated.path("providerPublicIpId");
        // The sandbox hands out TEST-NET-3 addresses; the recorded one is the provider's.
        assertThat(address).startsWith("203.0.113.");
        assertThat(sandboxIp(providerId).address()).isEqualTo(address);
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.publicIps", equalTo(1));
        as(token).body(Map.of("projectId", project.toString())).post("/v1/public-ips").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:quota-exceeded")).body("errors[0].field", equalTo("publicIps"));

        Response associating = as(token).body(Map.of("serverId", server)).post("/v1/public-ips/" + id + "/associate")
                .then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, associating.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/public-ips/" + id).then().body("serverId", equalTo(server));
        String providerServer = as(token).get("/v1/servers/" + server).then().extract().path("providerServerId");
        assertThat(sandboxIp(providerId).serverId()).contains(providerServer);

        as(token).delete("/v1/public-ips/" + id).then().statusCode(409)
                .body("detail", containsString("still points at server " + server));
        Response disassociating = as(token).post("/v1/public-ips/" + id + "/disassociate").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, disassociating.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        assertThat(sandboxIp(providerId).serverId()).isEmpty();

        Response releasing = as(token).delete("/v1/public-ips/" + id).then().statusCode(202)
                .body("resource.status", equalTo("RELEASING")).extract().response();
        assertThat(awaitFinished(token, releasing.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/public-ips/" + id).then().body("status", equalTo("RELEASED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.publicIps", equalTo(0));
        assertThat(providers.get("sandbox").require(PublicIps.class).get(providerId)).isEmpty();
    }

    @Test
    void deletingTheServerLeavesTheAddressPointingNowhere() {
        String server = createServer("gone");
        String id = allocate();
        Response associating = as(token).body(Map.of("serverId", server)).post("/v1/public-ips/" + id + "/associate")
                .then().statusCode(202).extract().response();
        awaitFinished(token, associating.path("operation.id"));
        Response deleting = as(token).delete("/v1/servers/" + server).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/public-ips/" + id).then().body("serverId", nullValue()).body("status", equalTo("ALLOCATED"));
    }

    @Test
    void anotherTenantCanNeitherSeeNorPointNorRelease() {
        String id = allocate();
        UUID other = createTenant(uniqueName("pipother"), quota(8, 16, 2, 0, 1, 0));
        UUID otherProject = createProject(other, "theirs");
        String otherToken = Tokens.tenant(other);
        as(otherToken).get("/v1/public-ips/" + id).then().statusCode(404).contentType("application/problem+json");
        as(otherToken).post("/v1/public-ips/" + id + "/disassociate").then().statusCode(404);
        as(otherToken).delete("/v1/public-ips/" + id).then().statusCode(404);
        List<String> theirs = as(otherToken).get("/v1/public-ips").then().statusCode(200).extract().path("items.id");
        assertThat(theirs).doesNotContain(id);

        // Their server cannot be the target of our address, nor ours of theirs.
        String otherServer = createServer(otherToken, otherProject, "theirs");
        as(token).body(Map.of("serverId", otherServer)).post("/v1/public-ips/" + id + "/associate").then().statusCode(404)
                .body("detail", containsString(otherServer));
    }

    private String allocate() {
        Response allocating = as(token).body(Map.of("projectId", project.toString(), "region", "sbx-east-1")).post("/v1/public-ips")
                .then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, allocating.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return allocating.path("resource.id");
    }

    private String createServer(String name) {
        return createServer(token, project, name);
    }

    private static String createServer(String token, UUID project, String name) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small",
                "image", "debian-12", "hints", Map.of("region", "sbx-east-1"))).post("/v1/servers").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return accepted.path("resource.id");
    }

    private ProviderPublicIp sandboxIp(String providerId) {
        return providers.get("sandbox").require(PublicIps.class).get(providerId).orElseThrow();
    }
}
