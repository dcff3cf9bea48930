package io.skydeck.network;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Operations;
import io.skydeck.support.Tokens;
import jakarta.persistence.EntityManager;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
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
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
class NetworkApiTest {

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenantWithAProject() {
        tenant = createTenant(uniqueName("netten"), quota(8, 16, 2, 0, 1, 2));
        project = createProject(tenant, "net");
        token = Tokens.tenant(tenant);
    }

    @Test
    void aNetworkGetsOneSubnetPerZoneAndIsDeletedWithItsSubnetsAndQuota() {
        Response accepted = as(token).body(network("main", "10.20.0.0/16")).post("/v1/networks")
                .then().statusCode(202)
                .body("resource.status", equalTo("CREATING"))
                .body("resource.provider", equalTo("sandbox"))
                .body("operation.kind", equalTo("CREATE_NETWORK"))
                .extract().response();
        String id = accepted.path("resource.id");
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response available = awaitSubnetsAvailable(id);
        // The region has two zones: the /16 splits into two /17s, in the region's zone order.
        assertThat(available.<String>path("status")).isEqualTo("AVAILABLE");
        assertThat(available.<String>path("region")).isEqualTo("sbx-east-1");
        assertThat(available.<List<String>>path("subnets.zone")).containsExactly("sbx-east-1a", "sbx-east-1b");
        assertThat(available.<List<String>>path("subnets.cidr")).containsExactly("10.20.0.0/17", "10.20.128.0/17");
        assertThat(available.<String>path("providerNetworkId")).isNotNull();
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.networks", equalTo(1));
        as(token).get("/v1/networks/" + id + "/placement").then().body("decidedBy", equalTo("first-allowed"))
                .body("subnets[1].cidr", equalTo("10.20.128.0/17"));

        Response deleting = as(token).delete("/v1/networks/" + id).then().statusCode(202)
                .body("resource.status", equalTo("DELETING")).body("operation.kind", equalTo("DELETE_NETWORK"))
                .extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/networks/" + id).then().body("status", equalTo("DELETED"))
                .body("subnets.status", equalTo(List.of("DELETED", "DELETED")));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.networks", equalTo(0));
        as(token).delete("/v1/networks/" + id).then().statusCode(204);
        List<String> actions = as(Tokens.admin()).queryParam("tenantId", tenant.toString()).queryParam("limit", 100)
                .get("/v1/audit").then().statusCode(200).extract().path("items.action");
        assertThat(actions).contains("network.requested", "network.created", "subnet.created", "network.delete-requested", "network.deleted");
    }

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    /**
     * One subnet's create fails in the provider after its sibling and the network were made: the
     * network fails as a whole, its quota comes back, and a clean-up finds what the provider made
     * by the creates' tokens and deletes it — the subnet whose create failed included.
     */
    @Test
    void aNetworkWhoseSubnetFailsEndsFailedAndLeavesNothingInTheProvider() {
        SandboxCloud sandbox = (SandboxCloud) providers.get("sandbox");
        // The fault is taken by the next subnet create: not one of an earlier test's networks (a default network, say,
        // whose CREATE_NETWORK still running would start its CREATE_SUBNETs after the fault is in).
        awaitNoSandboxNetworkCreateOpen();
        sandbox.faults().inject(new Fault.FailOperation(SandboxCall.CREATE_SUBNET,
                new RequestRejected("sandbox", "No more subnets in this zone.", "SubnetLimitExceeded", null)));
        try {
            Response accepted = as(token).body(network("doomed", "10.60.0.0/16")).post("/v1/networks").then().statusCode(202)
                    .extract().response();
            String id = accepted.path("resource.id");
            long deadline = System.nanoTime() + 60_000_000_000L;
            List<String> actions;
            do {
                assertThat(System.nanoTime()).as("network " + id + " cleaned up in 60 s").isLessThan(deadline);
                Thread.onSpinWait();
                actions = as(Tokens.admin()).queryParam("tenantId", tenant.toString()).queryParam("limit", 100)
                        .get("/v1/audit").then().statusCode(200).extract().path("items.action");
            } while (!actions.contains("network.cleaned-up"));
            assertThat(actions).contains("subnet.created", "network.clean-up-requested");

            Response failed = as(token).get("/v1/networks/" + id).then().statusCode(200)
                    .body("status", equalTo("FAILED")).body("subnets.status", equalTo(List.of("FAILED", "FAILED")))
                    .extract().response();
            as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.networks", equalTo(0));
            Networks networks = sandbox.require(Networks.class);
            assertThat(networks.getNetwork(failed.path("providerNetworkId"))).isEmpty();
            assertThat(networks.findByToken(NetworkOperations.createToken(UUID.fromString(id)))).isEmpty();
            for (String subnet : failed.<List<String>>path("subnets.id")) {
                assertThat(networks.findByToken(NetworkOperations.createToken(UUID.fromString(subnet)))).as("subnet " + subnet).isEmpty();
            }
        } finally {
            sandbox.faults().clear();
        }
    }

    private void awaitNoSandboxNetworkCreateOpen() {
        long deadline = System.nanoTime() + 60_000_000_000L;
        List<?> open;
        do {
            open = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                    "SELECT kind || ' ' || target_id || ' ' || state FROM operation WHERE provider = 'sandbox'"
                    + " AND kind IN ('CREATE_NETWORK', 'CREATE_SUBNET') AND state IN ('PENDING', 'RUNNING')").getResultList());
            if (open.isEmpty()) {
                return;
            }
            Operations.pause(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("network creates of earlier tests still open after 60 s: " + open);
    }

    @Test
    void aDualStackNetworkGivesEachSubnetA64OfItsIpv6Range() {
        Map<String, Object> body = network("dual", "10.50.0.0/16");
        body.put("ipv6Cidr", "fd00:50::/56");
        Response accepted = as(token).body(body).post("/v1/networks").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response available = awaitSubnetsAvailable(accepted.path("resource.id"));
        assertThat(available.<String>path("ipv6Cidr")).isEqualTo("fd00:50::/56");
        assertThat(available.<List<String>>path("subnets.ipv6Cidr")).containsExactly("fd00:50::/64", "fd00:50:0:1::/64");

        // Two zones want two /64s; a /64 is one.
        Map<String, Object> narrow = network("narrow", "10.51.0.0/16");
        narrow.put("ipv6Cidr", "fd00:51::/64");
        as(token).body(narrow).post("/v1/networks").then().statusCode(400)
                .body("errors[0].field", equalTo("ipv6Cidr")).body("errors[0].message", containsString("2 subnets"));

        // The sandbox chooses no IPv6 range: IPv6 without one is refused, naming the field.
        Map<String, Object> unranged = network("unranged", "10.52.0.0/16");
        unranged.put("ipv6", true);
        as(token).body(unranged).post("/v1/networks").then().statusCode(400)
                .body("errors[0].field", equalTo("ipv6")).body("errors[0].message", containsString("give it as ipv6Cidr"));
    }

    @Test
    void subnetsGivenByTheTenantAreKeptAndBadRangesAreRefusedByField() {
        Map<String, Object> body = network("given", "10.30.0.0/20");
        body.put("subnets", List.of(Map.of("zone", "sbx-east-1b", "cidr", "10.30.4.0/24")));
        Response accepted = as(token).body(body).post("/v1/networks").then().statusCode(202).extract().response();
        awaitFinished(token, accepted.path("operation.id"));
        assertThat(awaitSubnetsAvailable(accepted.path("resource.id")).<List<String>>path("subnets.cidr")).containsExactly("10.30.4.0/24");

        as(token).body(network("wide", "10.0.0.0/33")).post("/v1/networks").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("cidr")).body("errors[0].message", containsString("/33 is outside"));
        as(token).body(network("sloppy", "10.0.0.1/16")).post("/v1/networks").then().statusCode(400)
                .body("errors[0].field", equalTo("cidr")).body("errors[0].message", containsString("did you mean 10.0.0.0/16?"));
        as(token).body(network("huge", "10.0.0.0/8")).post("/v1/networks").then().statusCode(400)
                .body("errors[0].message", containsString("between /16 and /28"));
        as(token).body(network("v6", "fd00::/48")).post("/v1/networks").then().statusCode(400)
                .body("errors[0].message", containsString("is not IPv4"));

        Map<String, Object> overlapping = network("overlap", "10.40.0.0/16");
        overlapping.put("subnets", List.of(Map.of("zone", "sbx-east-1a", "cidr", "10.40.0.0/20"),
                Map.of("zone", "sbx-east-1b", "cidr", "10.40.8.0/24"),
                Map.of("zone", "sbx-east-1q", "cidr", "10.41.0.0/24")));
        as(token).body(overlapping).post("/v1/networks").then().statusCode(400)
                .body("errors.field", equalTo(List.of("subnets[1].cidr", "subnets[2].zone", "subnets[2].cidr")))
                .body("errors[0].message", equalTo("10.40.8.0/24 overlaps 10.40.0.0/20 of subnets[0]"))
                .body("errors[2].message", equalTo("10.41.0.0/24 is outside the network's range 10.40.0.0/16"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.networks", equalTo(1));
    }

    @Test
    void quotaNamesAndIdempotencyHold() {
        String key = UUID.randomUUID().toString();
        Response first = as(token).header("Idempotency-Key", key).body(network("a", "10.1.0.0/16")).post("/v1/networks")
                .then().statusCode(202).extract().response();
        as(token).header("Idempotency-Key", key).body(network("a", "10.1.0.0/16")).post("/v1/networks")
                .then().statusCode(202).body("resource.id", equalTo(first.path("resource.id")));
        as(token).body(network("a", "10.2.0.0/16")).post("/v1/networks").then().statusCode(409)
                .body("errors[0].field", equalTo("name"));
        as(token).body(network("b", "10.2.0.0/16")).post("/v1/networks").then().statusCode(202);
        as(token).body(network("c", "10.3.0.0/16")).post("/v1/networks").then().statusCode(409)
                .body("type", equalTo("urn:skydeck:problem:quota-exceeded")).body("errors[0].field", equalTo("networks"));
    }

    @Test
    void anotherTenantNeitherSeesNorDeletesANetwork() {
        Response accepted = as(token).body(network("private", "10.9.0.0/16")).post("/v1/networks").then().statusCode(202)
                .extract().response();
        String id = accepted.path("resource.id");
        UUID other = createTenant(uniqueName("netother"), quota(8, 16, 2, 0, 1, 2));
        String otherToken = Tokens.tenant(other);
        as(otherToken).get("/v1/networks/" + id).then().statusCode(404).contentType("application/problem+json");
        as(otherToken).get("/v1/networks/" + id + "/subnets").then().statusCode(404);
        as(otherToken).get("/v1/networks/" + id + "/ipam").then().statusCode(404).contentType("application/problem+json");
        as(otherToken).get("/v1/networks/" + id + "/routes").then().statusCode(404).contentType("application/problem+json");
        as(otherToken).get("/v1/networks/" + id + "/placement").then().statusCode(404).contentType("application/problem+json");
        as(otherToken).delete("/v1/networks/" + id).then().statusCode(404);
        as(otherToken).get("/v1/networks").then().statusCode(200).body("items.id", not(hasItem(id)));
        // Naming the other tenant's project is as good as naming nothing.
        Map<String, Object> intoTheirs = network("sneaky", "10.8.0.0/16");
        as(otherToken).body(intoTheirs).post("/v1/networks").then().statusCode(404);
        as(token).get("/v1/networks").then().statusCode(200).body("items.id", hasItem(id));
    }

    private Response awaitSubnetsAvailable(String networkId) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Response network = as(token).get("/v1/networks/" + networkId).then().statusCode(200)
                    .body("providerNetworkId", notNullValue()).extract().response();
            List<String> statuses = network.path("subnets.status");
            if (!statuses.isEmpty() && statuses.stream().allMatch("AVAILABLE"::equals)) {
                return network;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("subnets of " + networkId + " not AVAILABLE in 30 s: " + network.asString());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private Map<String, Object> network(String name, String cidr) {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        body.put("cidr", cidr);
        return body;
    }
}
