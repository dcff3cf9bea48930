package io.skydeck.providers.e2e;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.providers.e2e.OpenStackStub.TOKEN;
import static io.skydeck.providers.e2e.OpenStackStub.compute;
import static io.skydeck.providers.e2e.OpenStackStub.novaServer;
import static io.skydeck.providers.e2e.OpenStackStub.novaServerOn;
import static io.skydeck.providers.e2e.OpenStackStub.server;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** Skydeck with one OpenStack cloud (Keystone and Nova played by WireMock) and no sandbox. */
@QuarkusTest
@TestProfile(OpenStackEndToEndTest.OpenStackOnly.class)
class OpenStackEndToEndTest {

    public static class OpenStackOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.sandbox.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OpenStackStub.class));
        }
    }

    private static final String SERVER_ID = "f5dc173b-6804-445a-a6d8-c705dad5b5eb";
    private static final String IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b";

    @Test
    void aServerIsBootedOnTheChosenHypervisorWithItsTokenInMetadataAndDeletedAgain() {
        UUID tenant = createTenant(uniqueName("os"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        server.stubFor(get(urlPathEqualTo(compute("/servers/detail"))).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"servers\": []}")));
        server.stubFor(post(urlPathEqualTo(compute("/servers"))).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody("""
                        {"server": {"OS-DCF:diskConfig": "AUTO", "adminPass": "6NpUwoz2QDRN", "id": "%s",
                          "links": [], "security_groups": [{"name": "default"}]}}""".formatted(SERVER_ID))));

        // As Nova answers right after the boot request: the server exists and is building. (The runner
        // may poll before this test has stubbed the ACTIVE answer below, which then takes precedence.)
        server.stubFor(get(urlPathEqualTo(compute("/servers/" + SERVER_ID))).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServer(SERVER_ID, "web-1", "BUILD", "pending") + "}")));
        // Names as users know them: Nova's flavor "2" is m1.small, Glance's image is cirros.
        as(token).body(Map.of("projectId", project.toString(), "name", "web-0", "flavor", "m1.small", "image", "tiny-raw"))
                .post("/v1/servers").then().statusCode(400)
                .body("detail", containsString("provider openstack-test has no image 'tiny-raw'"));
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "web-1", "flavor", "m1.small",
                        "image", "cirros")).post("/v1/servers").then().statusCode(202)
                .body("resource.flavor", equalTo("2")).body("resource.flavorName", equalTo("m1.small"))
                .body("resource.image", equalTo(IMAGE)).body("resource.imageName", equalTo("cirros"))
                .body("resource.placement.provider", equalTo("openstack-test"))
                .body("resource.placement.zone", equalTo("az-2"))
                .body("resource.placement.host", equalTo("compute-7.example.org"))
                .extract().response();
        String id = accepted.path("resource.id");
        server.stubFor(get(urlPathEqualTo(compute("/servers/" + SERVER_ID))).inScenario("life")
                .whenScenarioStateIs(Scenario.STARTED).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServer(SERVER_ID, "web-1", "ACTIVE", "skydeck-" + id) + "}")));
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + id).then().body("status", equalTo("ACTIVE"))
                .body("providerServerId", equalTo(SERVER_ID)).body("hourlyPrice", equalTo(0.03f));
        server.verify(1, postRequestedFor(urlPathEqualTo("/v3/auth/tokens")));
        // One boot of web-1 (another test of this class boots a server of its own).
        server.verify(1, postRequestedFor(urlPathEqualTo(compute("/servers")))
                .withRequestBody(matchingJsonPath("$.server.name", WireMock.equalTo("web-1"))));
        server.verify(1, postRequestedFor(urlPathEqualTo(compute("/servers")))
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.server.name", WireMock.equalTo("web-1")))
                .withRequestBody(matchingJsonPath("$.server.flavorRef", WireMock.equalTo("2")))
                .withRequestBody(matchingJsonPath("$.server.imageRef", WireMock.equalTo(IMAGE)))
                .withRequestBody(matchingJsonPath("$.server.availability_zone", WireMock.equalTo("az-2::compute-7.example.org")))
                .withRequestBody(matchingJsonPath("$.server.metadata.skydeck-token", WireMock.equalTo("skydeck-" + id)))
                .withRequestBody(matchingJsonPath("$.server.metadata.skydeck-tenant", WireMock.equalTo(tenant.toString()))));

        server.stubFor(delete(urlPathEqualTo(compute("/servers/" + SERVER_ID))).inScenario("life")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willSetStateTo("deleted").willReturn(aResponse().withStatus(204)));
        server.stubFor(get(urlPathEqualTo(compute("/servers/" + SERVER_ID))).inScenario("life").whenScenarioStateIs("deleted")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER_ID + " could not be found.\"}}")));
        Response deleting = as(token).delete("/v1/servers/" + id).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + id).then().body("status", equalTo("DELETED"));
        server.verify(1, deleteRequestedFor(urlPathEqualTo(compute("/servers/" + SERVER_ID)))
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN)));
    }

    /**
     * Nova resizes by migrating: the resized server comes back on compute-8. The record follows
     * it there, and its price is the configured one of the new flavor (OpenStack has no price list).
     */
    @Test
    void aResizeNovaMigratesMovesTheServerToItsNewHypervisorAtTheConfiguredPrice() {
        String novaId = "0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        UUID tenant = createTenant(uniqueName("os-resize"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        String path = compute("/servers/" + novaId);
        Response accepted = bootOnCompute7(tenant, project, "web-resized", novaId);
        String id = accepted.path("resource.id");
        String createToken = "skydeck-" + id;
        server.stubFor(get(urlPathEqualTo(path)).inScenario("migrate").whenScenarioStateIs(Scenario.STARTED)
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-resized", "ACTIVE", createToken, "2", "compute-7",
                        "compute-7.example.org") + "}")));
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario("migrate").whenScenarioStateIs(Scenario.STARTED)
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.resize.flavorRef", WireMock.equalTo("3")))
                .willReturn(aResponse().withStatus(202)).willSetStateTo("verify"));
        server.stubFor(get(urlPathEqualTo(path)).inScenario("migrate").whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-resized", "VERIFY_RESIZE", createToken, "3",
                        "compute-8", "compute-8.example.org") + "}")));
        server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario("migrate").whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .withRequestBody(WireMock.containing("\"confirmResize\""))
                .willReturn(aResponse().withStatus(204)).willSetStateTo("resized"));
        server.stubFor(get(urlPathEqualTo(path)).inScenario("migrate").whenScenarioStateIs("resized")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-resized", "ACTIVE", createToken, "3",
                        "compute-8", "compute-8.example.org") + "}")));

        Response resize = as(token).body(Map.of("action", "resize", "flavor", "m1.medium"))
                .post("/v1/servers/" + id + "/actions").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, resize.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + id).then().statusCode(200)
                .body("flavor", equalTo("3")).body("flavorName", equalTo("m1.medium")).body("vcpu", equalTo(2))
                .body("hourlyPrice", equalTo(0.06f))
                .body("placement.zone", equalTo("az-2"))
                .body("placement.host", equalTo("compute-8.example.org"));

        server.stubFor(delete(urlPathEqualTo(path)).inScenario("migrate").withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willSetStateTo("deleted").willReturn(aResponse().withStatus(204)));
        server.stubFor(get(urlPathEqualTo(path)).inScenario("migrate").whenScenarioStateIs("deleted")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + novaId + " could not be found.\"}}")));
        Response deleting = as(token).delete("/v1/servers/" + id).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    /**
     * The ordered flavor is deleted in Nova while Nova resizes to it: the resize still ends as
     * Nova ends it, with the size ordered (kept with the operation, not looked up again), and the
     * server stays held through a refresh that no longer finds its flavor.
     */
    @Test
    void aResizeWhoseFlavorIsDeletedMeanwhileEndsWithTheOrderedSizeAndTheServerStaysHeld() {
        String novaId = "5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f";
        UUID tenant = createTenant(uniqueName("os-retired"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        String path = compute("/servers/" + novaId);
        Response accepted = bootOnCompute7(tenant, project, "web-retired", novaId);
        String id = accepted.path("resource.id");
        String createToken = "skydeck-" + id;
        String scenario = "flavor deleted";
        server.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-retired", "ACTIVE", createToken, "2", "compute-7",
                        "compute-7.example.org") + "}")));
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.resize.flavorRef", WireMock.equalTo("3")))
                .willReturn(aResponse().withStatus(202)).willSetStateTo("resizing"));
        server.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs("resizing")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-retired", "RESIZE", createToken, "2", "compute-7",
                        "compute-7.example.org").replace("\"OS-EXT-STS:task_state\": null", "\"OS-EXT-STS:task_state\": \"resize_migrating\"")
                        + "}")));
        server.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-retired", "VERIFY_RESIZE", createToken, "3",
                        "compute-7", "compute-7.example.org") + "}")));
        server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario(scenario).whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .withRequestBody(WireMock.containing("\"confirmResize\""))
                .willReturn(aResponse().withStatus(204)).willSetStateTo("resized"));
        server.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs("resized")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + novaServerOn(novaId, "web-retired", "ACTIVE", createToken, "3",
                        "compute-7", "compute-7.example.org") + "}")));
        try {
            String resize = as(token).body(Map.of("action", "resize", "flavor", "m1.medium"))
                    .post("/v1/servers/" + id + "/actions").then().statusCode(202).extract().path("operation.id");
            awaitRunning(token, resize);

            // m1.medium is deleted in Nova while it resizes; Skydeck's next refresh no longer finds it.
            OpenStackStub.offerFlavors(OpenStackStub.SMALL);
            as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200);
            server.setScenarioState(scenario, "verify");
            assertThat(awaitFinished(token, resize).<String>path("state")).isEqualTo("SUCCEEDED");

            as(token).get("/v1/servers/" + id).then().statusCode(200).body("status", equalTo("ACTIVE"))
                    .body("flavor", equalTo("3")).body("vcpu", equalTo(2)).body("memoryMib", equalTo(4096))
                    .body("hourlyPrice", equalTo(0.06f)).body("placement.host", equalTo("compute-7.example.org"));
            as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(2));
            // Still held with its flavor gone: compute-7 (8 vCPU, the 2 Nova reports in use being this
            // server's) has 6 free, compute-8 its 8; unheld, the zone would show 16.
            List<Map<String, Object>> zones = as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200)
                    .extract().path("items");
            assertThat(zones).singleElement().satisfies(zone -> assertThat(((Map<?, ?>) zone.get("free")).get("vcpu")).isEqualTo(14));
        } finally {
            OpenStackStub.offerFlavors(OpenStackStub.SMALL, OpenStackStub.MEDIUM);
            as(Tokens.admin()).post("/v1/capacity/refresh").then().statusCode(200);
        }

        server.stubFor(delete(urlPathEqualTo(path)).inScenario(scenario).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willSetStateTo("deleted").willReturn(aResponse().withStatus(204)));
        server.stubFor(get(urlPathEqualTo(path)).inScenario(scenario).whenScenarioStateIs("deleted")
                .withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + novaId + " could not be found.\"}}")));
        Response deleting = as(token).delete("/v1/servers/" + id).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    private static void awaitRunning(String token, String operationId) {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!"RUNNING".equals(as(token).get("/v1/operations/" + operationId).then().extract().path("state"))) {
            assertThat(System.nanoTime()).as("operation " + operationId + " RUNNING within 15 s").isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void theProviderListingShowsTheCloudWithoutItsPasswordOrWhereItIsKept() {
        String body = as(Tokens.admin()).get("/v1/providers").then().statusCode(200)
                .body("items.name", equalTo(List.of("openstack-test")))
                .body("items[0].kind", equalTo("openstack"))
                .body("items[0].regions[0].id", equalTo("RegionOne"))
                .body("items[0].regions[0].zones", equalTo(List.of("az-2")))
                .body("items[0].health.state", equalTo("UP"))
                .extract().asString();
        assertThat(body).doesNotContain(OpenStackStub.PASSWORD, OpenStackStub.passwordFile.toString(), TOKEN);
    }

    /** A scheduler places {@code name} on compute-7 of az-2 and Nova accepts the boot as {@code novaId}: the 202. */
    private Response bootOnCompute7(UUID tenant, UUID project, String name, String novaId) {
        server.stubFor(get(urlPathEqualTo(compute("/servers/detail"))).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .willReturn(okJson("{\"servers\": []}")));
        server.stubFor(post(urlPathEqualTo(compute("/servers"))).withHeader("X-Auth-Token", WireMock.equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.server.name", WireMock.equalTo(name)))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody("""
                        {"server": {"OS-DCF:diskConfig": "AUTO", "adminPass": "6NpUwoz2QDRN", "id": "%s",
                          "links": [], "security_groups": [{"name": "default"}]}}""".formatted(novaId))));
        return as(Tokens.scheduler()).body(Map.of("tenantId", tenant.toString(), "projectId", project.toString(),
                        "name", name, "flavor", "m1.small", "image", "cirros", "target", Map.of("provider", "openstack-test",
                                "region", "RegionOne", "zone", "az-2", "host", "compute-7.example.org")))
                .post("/v1/servers").then().statusCode(202).extract().response();
    }
}
