package io.skydeck.compute;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Operations;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
class ServerLifecycleTest {

    @Inject
    EntityManager em;

    @Inject
    ProviderRegistry providers;

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenantWithAProject() {
        tenant = createTenant(uniqueName("compute"), quota(64, 256, 10, 10, 2));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void noFaultsLeftBehind() {
        sandbox().faults().clear();
    }

    @Test
    void aServerIsRequestedPlacedBuiltAndExplained() {
        Response accepted = as(token).body(server("web-1", "m1.large", Map.of("region", "sbx-east-1")))
                .post("/v1/servers")
                .then().statusCode(202)
                .header("Location", containsString("/v1/operations/"))
                .body("resource.status", equalTo("BUILDING"))
                .body("resource.placement.region", equalTo("sbx-east-1"))
                .body("operation.kind", equalTo("CREATE_SERVER"))
                .body("operation.state", equalTo("PENDING"))
                .extract().response();
        String serverId = accepted.path("resource.id");
        Response op = awaitFinished(token, accepted.path("operation.id"));
        assertThat(op.<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + serverId).then().statusCode(200)
                .body("status", equalTo("ACTIVE"))
                .body("providerServerId", notNullValue())
                .body("vcpu", equalTo(4)).body("memoryMib", equalTo(8192))
                .body("hourlyPrice", equalTo(0.08f));

        // The explanation: the target, each weigher's part, and which filter turned away how many hosts.
        // The sandbox has 2 regions x 2 zones x 3 hosts = 12; the region hint turns away the 6 in sbx-west-1.
        as(token).get("/v1/servers/" + serverId + "/placement").then().statusCode(200)
                .body("outcome", equalTo("placed"))
                .body("decidedBy", equalTo("engine"))
                .body("target.provider", equalTo("sandbox"))
                .body("target.region", equalTo("sbx-east-1"))
                .body("hostsConsidered", equalTo(12))
                .body("rejectedBy.region", equalTo(6))
                // Shelves of at most 3 hosts are smaller than a candidate set: every host is looked at.
                .body("hostsPassed", equalTo(6))
                .body("hostsUnexamined", equalTo(0))
                .body("score.weighers.weigher", hasItem("cost"))
                .body("score.total", notNullValue());

        List<String> kinds = as(token).get("/v1/servers/" + serverId + "/events").then().statusCode(200)
                .extract().path("items.kind");
        assertThat(kinds).containsExactly("REQUESTED", "CREATED");
        as(token).get("/v1/tenants/" + tenant + "/quota").then()
                .body("used.vcpu", equalTo(4)).body("used.memoryGib", equalTo(8)).body("used.servers", equalTo(1));
    }

    @Test
    void deletingGivesBackQuotaAndLeavesNothingInTheProvider() {
        String serverId = createAndAwait("doomed", "m1.medium", Map.of());
        String providerId = as(token).get("/v1/servers/" + serverId).then().extract().path("providerServerId");

        Response deleting = as(token).delete("/v1/servers/" + serverId).then().statusCode(202)
                .body("resource.status", equalTo("DELETING")).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("DELETED")).body("deletedAt", notNullValue());
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.servers", equalTo(0));
        assertThat(sandbox().require(Servers.class).get(providerId)).isEmpty();
        List<String> kinds = as(token).get("/v1/servers/" + serverId + "/events").then().extract().path("items.kind");
        assertThat(kinds).containsExactly("REQUESTED", "CREATED", "DELETED");
        as(token).delete("/v1/servers/" + serverId).then().statusCode(204);
    }

    @Test
    void antiAffinityNeverPutsTwoMembersOnOneHost() {
        // sbx-west-1b has three hosts: three members fit, one per host; a fourth has nowhere to go.
        Set<String> hosts = new HashSet<>();
        Map<String, Object> hints = Map.of("region", "sbx-west-1", "zone", "sbx-west-1b", "antiAffinityGroup", "db");
        for (int i = 0; i < 3; i++) {
            Response accepted = as(token).body(server("db-" + i, "m1.small", hints)).post("/v1/servers")
                    .then().statusCode(202).extract().response();
            hosts.add(accepted.path("resource.placement.host"));
        }
        assertThat(hosts).hasSize(3);
        as(token).body(server("db-3", "m1.small", hints)).post("/v1/servers")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:no-placement"))
                .body("detail", containsString("anti-affinity rejected 3"))
                .body("errors.field", hasItem("placement.anti-affinity"));
    }

    @Test
    void aRequestThatFitsNowhereNamesTheFiltersAndKeepsNoQuota() {
        as(token).body(server("cheap", "m1.large", Map.of("maxHourlyPrice", 0.01))).post("/v1/servers")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:no-placement"))
                .body("detail", equalTo("no host fits: price rejected 12"))
                .body("errors[0].field", equalTo("placement.price"))
                .body("errors[0].message", equalTo("rejected 12 of 12 hosts"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0));
        as(token).queryParam("name", "cheap").get("/v1/servers").then().body("items.size()", equalTo(0));
    }

    @Test
    void anUnknownFlavorOrProjectIsAClientError() {
        as(token).body(server("x", "m9.huge", Map.of())).post("/v1/servers")
                .then().statusCode(400).body("errors[0].field", equalTo("flavor"));
        Map<String, Object> body = new java.util.HashMap<>(server("x", "m1.small", Map.of()));
        body.put("projectId", UUID.randomUUID().toString());
        as(token).body(body).post("/v1/servers").then().statusCode(404);
        body.put("projectId", "not-a-uuid");
        as(token).body(body).post("/v1/servers").then().statusCode(400);
    }

    @Test
    void anInjectedProviderFaultFailsTheOperationClearlyAndReturnsTheQuota() {
        Operations.awaitNonePending(em, "CREATE_SERVER");
        sandbox().faults().inject(new Fault.FailOperation(SandboxCall.CREATE_SERVER,
                new QuotaExceeded("sandbox", "Quota exceeded for cores: requested 4, limit 0")));
        Response accepted = as(token).body(server("unlucky", "m1.large", Map.of())).post("/v1/servers")
                .then().statusCode(202).extract().response();
        Response op = awaitFinished(token, accepted.path("operation.id"));
        assertThat(op.<String>path("state")).isEqualTo("FAILED");
        assertThat(op.<String>path("error.type")).isEqualTo("urn:skydeck:problem:provider-quota-exceeded");
        assertThat(op.<String>path("error.detail")).contains("Quota exceeded for cores");

        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("FAILED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(0)).body("used.servers", equalTo(0));
        List<String> kinds = as(token).get("/v1/servers/" + accepted.path("resource.id") + "/events").then().extract().path("items.kind");
        assertThat(kinds).containsExactly("REQUESTED", "FAILED");
    }

    /** Nova's "No valid host" shape: the build ends in ERROR and the ERROR instance stays in the cloud unless removed. */
    @Test
    void aBuildThatFailsInTheProviderIsDeletedThereFoundByItsToken() throws Exception {
        Operations.awaitNonePending(em, "CREATE_SERVER");
        sandbox().faults().inject(new Fault.FailOperation(SandboxCall.CREATE_SERVER,
                new io.skydeck.connectors.spi.ProviderUnavailable("sandbox", "No valid host was found. There are not enough hosts available.")));
        Response accepted = as(token).body(server("no-host", "m1.small", Map.of())).post("/v1/servers")
                .then().statusCode(202).extract().response();
        UUID serverId = UUID.fromString(accepted.path("resource.id"));
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("FAILED");
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("FAILED")).body("providerServerId", nullValue());

        long deadline = System.nanoTime() + 15_000_000_000L;
        while (sandbox().require(io.skydeck.connectors.spi.Servers.class).findByToken(ServerOperations.createToken(serverId)).isPresent()) {
            assertThat(System.nanoTime()).as("the ERROR instance is still in the provider after 15 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("FAILED"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(0));
    }

    /**
     * Nova's single-hypervisor NoValidHost: the resize is accepted, then the server is ACTIVE again
     * on its old flavor with no ERROR. Judged refused at the first poll after that, not at the
     * 30-minute deadline.
     */
    @Test
    void aResizeTheProviderSilentlyRefusesFailsAtOnceWithItsReasonAndGivesTheGrowthBack() {
        String serverId = createAndAwait("refused", "m1.small", Map.of());
        sandbox().faults().inject(new Fault.SilentlyRefused(SandboxCall.RESIZE_SERVER));
        Response resize = as(token).body(Map.of("action", "resize", "flavor", "m1.large"))
                .post("/v1/servers/" + serverId + "/actions").then().statusCode(202).extract().response();

        Response op = awaitFinished(token, resize.path("operation.id"));

        assertThat(op.<String>path("state")).isEqualTo("FAILED");
        assertThat(op.<String>path("error.type")).isEqualTo("urn:skydeck:problem:provider-rejected");
        assertThat(op.<String>path("error.detail")).contains("was not resized to flavor m1.large").endsWith("(resize-refused)");
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("ACTIVE")).body("flavor", equalTo("m1.small"));
        // m1.small holds 1 vCPU and 2 GiB; the growth to m1.large (3 and 6) is given back.
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1)).body("used.memoryGib", equalTo(2));
    }

    @Test
    void stopStartAndResizeAreOperationsWithEvents() {
        String serverId = createAndAwait("app", "m1.small", Map.of());
        act(serverId, Map.of("action", "stop"));
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("STOPPED"));
        act(serverId, Map.of("action", "resize", "flavor", "m1.xlarge"));
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("STOPPED"))
                .body("flavor", equalTo("m1.xlarge")).body("vcpu", equalTo(8));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(8)).body("used.memoryGib", equalTo(16));
        act(serverId, Map.of("action", "start"));
        as(token).get("/v1/servers/" + serverId).then().body("status", equalTo("ACTIVE"));

        List<String> kinds = as(token).get("/v1/servers/" + serverId + "/events").then().extract().path("items.kind");
        assertThat(kinds).containsExactly("REQUESTED", "CREATED", "STOPPED", "RESIZED", "STARTED");
        as(token).body(Map.of("action", "start")).post("/v1/servers/" + serverId + "/actions")
                .then().statusCode(409).body("detail", containsString("needs it STOPPED"));
    }

    @Test
    void aReplayedCreateMakesOneServer() {
        String key = UUID.randomUUID().toString();
        Map<String, Object> body = server("once", "m1.tiny", Map.of());
        String first = as(token).header("Idempotency-Key", key).body(body).post("/v1/servers")
                .then().statusCode(202).extract().path("resource.id");
        String second = as(token).header("Idempotency-Key", key).body(body).post("/v1/servers")
                .then().statusCode(202).header("Idempotency-Replayed", "true").extract().path("resource.id");
        assertThat(second).isEqualTo(first);
        as(token).queryParam("name", "once").get("/v1/servers").then().body("items.size()", equalTo(1));
    }

    @Test
    void aSchedulerCanPinAPlacementButATenantCannot() {
        Map<String, Object> body = new java.util.HashMap<>(server("pinned", "m1.small", Map.of()));
        body.put("target", Map.of("provider", "sandbox", "region", "sbx-west-1", "zone", "sbx-west-1a", "host", "sbx-west-1a-h2"));
        as(token).body(body).post("/v1/servers").then().statusCode(403);
        body.put("tenantId", tenant.toString());
        String id = as(Tokens.scheduler()).body(body).post("/v1/servers").then().statusCode(202)
                .body("resource.placement.host", equalTo("sbx-west-1a-h2")).extract().path("resource.id");
        as(Tokens.admin()).get("/v1/servers/" + id + "/placement").then()
                .body("decidedBy", equalTo("override")).body("hostsConsidered", equalTo(1));
    }

    @Test
    void aTenantsProviderAllowListKeepsItsServersOffOtherProviders() {
        // Allowed only on a provider that is not configured: every one of the 12 sandbox hosts is refused.
        as(Tokens.admin()).body(Map.of("allowedProviders", List.of("openstack-fra"))).patch("/v1/tenants/" + tenant)
                .then().statusCode(200).body("allowedProviders", equalTo(List.of("openstack-fra")));
        as(token).body(server("elsewhere", "m1.small", Map.of())).post("/v1/servers")
                .then().statusCode(409).body("detail", equalTo("no host fits: allow-list rejected 12"));
        as(Tokens.admin()).body(Map.of("allowedProviders", List.of("sandbox"))).patch("/v1/tenants/" + tenant)
                .then().statusCode(200);
        as(token).body(server("here", "m1.small", Map.of())).post("/v1/servers").then().statusCode(202);
        as(Tokens.admin()).body(Map.of("allowedProviders", List.of("Not A Name"))).patch("/v1/tenants/" + tenant)
                .then().statusCode(400).body("errors[0].field", containsString("allowedProviders"));
    }

    @Test
    void anOperationCanBeFollowedAsServerSentEventsUntilItFinishes() {
        Response accepted = as(token).body(server("streamed", "m1.tiny", Map.of())).post("/v1/servers")
                .then().statusCode(202).extract().response();
        String stream = as(token).accept("text/event-stream")
                .get("/v1/operations/" + accepted.path("operation.id") + "/stream")
                .then().statusCode(200).contentType(containsString("text/event-stream")).extract().asString();
        List<String> events = stream.lines().filter(l -> l.startsWith("data:")).toList();
        assertThat(events).isNotEmpty();
        assertThat(events.get(events.size() - 1)).contains("\"state\":\"SUCCEEDED\"");
        // Another tenant cannot follow it.
        UUID other = createTenant(uniqueName("nosy"));
        as(Tokens.tenant(other)).accept("text/event-stream").get("/v1/operations/" + accepted.path("operation.id") + "/stream")
                .then().statusCode(404);
    }

    @Test
    void schedulersSeeCapacityByZone() {
        List<Map<String, Object>> zones = as(Tokens.scheduler()).queryParam("region", "sbx-east-1").get("/v1/capacity")
                .then().statusCode(200).extract().path("items");
        assertThat(zones).hasSize(2);
        assertThat(zones).allSatisfy(z -> {
            assertThat(z.get("hosts")).isEqualTo(3);
            assertThat(((Map<?, ?>) z.get("capacity")).get("vcpu")).isEqualTo(96);
        });
        as(token).get("/v1/capacity").then().statusCode(403);
    }

    private void act(String serverId, Map<String, Object> action) {
        Response accepted = as(token).body(action).post("/v1/servers/" + serverId + "/actions")
                .then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    private String createAndAwait(String name, String flavor, Map<String, Object> hints) {
        Response accepted = as(token).body(server(name, flavor, hints)).post("/v1/servers").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return accepted.path("resource.id");
    }

    private Map<String, Object> server(String name, String flavor, Map<String, Object> hints) {
        return Map.of("projectId", project.toString(), "name", name, "flavor", flavor, "image", "debian-12", "hints", hints);
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }
}
