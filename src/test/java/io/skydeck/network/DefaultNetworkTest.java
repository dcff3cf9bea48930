package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/**
 * A server or workload created without a networkId on a provider with default networks (the
 * sandbox, by default) goes into the tenant's default network of the region, made on first use.
 */
@QuarkusTest
class DefaultNetworkTest {

    private static final String REGION = "sbx-east-1";
    private static final String NAME = "default-sandbox-" + REGION;

    @Inject
    ProviderRegistry providers;

    @Inject
    io.agroal.api.AgroalDataSource db;

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenantThatMayHaveNoNetworkOfItsOwn() {
        tenant = createTenant(uniqueName("defvpc"), quota(64, 256, 12, 4, 0, 0));
        project = createProject(tenant, "app");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void noFaultsLeftBehind() {
        sandbox().faults().clear();
    }

    @Test
    void theFirstServerMakesTheDefaultNetworkTheSecondUsesItAndNoNetworkQuotaIsTaken() {
        Response first = as(token).body(server("first")).post("/v1/servers").then().statusCode(202)
                .body("resource.network.networkId", notNullValue())
                .body("resource.network.privateAddress", notNullValue()).extract().response();
        String network = first.path("resource.network.networkId");
        // Made with the server, in its transaction: there at once, still being created.
        as(token).get("/v1/networks/" + network).then().statusCode(200)
                .body("default", equalTo(true)).body("name", equalTo(NAME)).body("cidr", equalTo("10.0.0.0/16"))
                .body("provider", equalTo("sandbox")).body("region", equalTo(REGION));

        Response firstOp = awaitFinished(token, first.path("operation.id"));
        assertThat(firstOp.<String>path("state")).as(firstOp.asString()).isEqualTo("SUCCEEDED");
        assertThat(firstOp.<Integer>path("attempts")).as("waiting for the network is no failed attempt").isZero();

        List<Map<String, Object>> listed = as(token).get("/v1/networks").then().statusCode(200).extract().path("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0)).containsEntry("id", network).containsEntry("default", true).containsEntry("status", "AVAILABLE");
        Map<String, String> subnetByZone = subnetsByZone(network);
        assertThat(subnetByZone).as("one subnet per zone of the region")
                .containsOnlyKeys(sandbox().regions().stream().filter(r -> r.id().equals(REGION)).findFirst().orElseThrow().zones());
        assertThat(as(token).get("/v1/networks/" + network).then().extract().<List<String>>path("subnets.status"))
                .containsOnly("AVAILABLE");

        Response second = as(token).body(server("second")).post("/v1/servers").then().statusCode(202)
                .body("resource.network.networkId", equalTo(network)).extract().response();
        assertThat(awaitFinished(token, second.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        Set<String> addresses = new HashSet<>();
        for (Response created : List.of(first, second)) {
            Response view = as(token).get("/v1/servers/" + created.path("resource.id")).then().statusCode(200)
                    .body("status", equalTo("ACTIVE")).body("network.networkId", equalTo(network)).extract().response();
            String address = view.path("network.privateAddress");
            String zone = view.path("placement.zone");
            assertThat(Cidr.parse(subnetByZone.get(zone)).contains(IpAddress.parse(address)))
                    .as(address + " lies in the subnet of its zone " + zone).isTrue();
            assertThat(addresses.add(address)).as("no address twice").isTrue();
            ProviderServer inCloud = sandbox().require(Servers.class).get(view.path("providerServerId")).orElseThrow();
            assertThat(inCloud.addresses()).as("the provider was asked for the IPAM's address").containsExactly(address);
        }

        as(token).get("/v1/networks").then().body("items", org.hamcrest.Matchers.hasSize(1));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.networks", equalTo(0)).body("used.servers", equalTo(2));
        // The tenant's quota allows no network of its own, and still does.
        as(token).body(Map.of("projectId", project.toString(), "name", "mine", "cidr", "10.9.0.0/16")).post("/v1/networks")
                .then().statusCode(409).body("type", containsString("quota"));
    }

    @Test
    void concurrentFirstCreatesMakeOneDefaultNetworkWithEveryServerInIt() throws Exception {
        int creates = 8;
        CyclicBarrier together = new CyclicBarrier(creates);
        ExecutorService pool = Executors.newFixedThreadPool(creates);
        List<Future<Response>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < creates; i++) {
                String name = "racer-" + i;
                answers.add(pool.submit(() -> {
                    together.await();
                    return as(token).body(server(name)).post("/v1/servers").then().extract().response();
                }));
            }
            Set<String> networks = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            List<String> operations = new ArrayList<>();
            for (Future<Response> answer : answers) {
                Response accepted = answer.get();
                assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
                networks.add(accepted.path("resource.network.networkId"));
                addresses.add(accepted.path("resource.network.privateAddress"));
                operations.add(accepted.path("operation.id"));
            }
            assertThat(networks).as("one default network for all").hasSize(1);
            assertThat(addresses).as("distinct addresses").hasSize(creates);
            for (String op : operations) {
                assertThat(awaitFinished(token, op).<String>path("state")).isEqualTo("SUCCEEDED");
            }
            List<Map<String, Object>> listed = as(token).get("/v1/networks").then().statusCode(200).extract().path("items");
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0)).containsEntry("id", networks.iterator().next()).containsEntry("default", true);
            Map<String, String> subnetByZone = subnetsByZone(networks.iterator().next());
            List<Map<String, Object>> servers = as(token).get("/v1/servers").then().statusCode(200).extract().path("items");
            assertThat(servers).hasSize(creates);
            for (Map<String, Object> s : servers) {
                @SuppressWarnings("unchecked")
                Map<String, Object> attached = (Map<String, Object>) s.get("network");
                @SuppressWarnings("unchecked")
                String zone = (String) ((Map<String, Object>) s.get("placement")).get("zone");
                assertThat(attached.get("networkId")).isEqualTo(networks.iterator().next());
                assertThat(Cidr.parse(subnetByZone.get(zone)).contains(IpAddress.parse((String) attached.get("privateAddress")))).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theDefaultNetworkIsDeletedLikeAnyOnceUnusedAndTheNextCreateMakesANewOne() {
        Response first = as(token).body(server("once")).post("/v1/servers").then().statusCode(202).extract().response();
        String network = first.path("resource.network.networkId");
        awaitFinished(token, first.path("operation.id"));
        as(token).delete("/v1/networks/" + network).then().statusCode(409).body("detail", containsString("in use by server(s)"));

        Response deleting = as(token).delete("/v1/servers/" + first.path("resource.id")).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response networkGone = as(token).delete("/v1/networks/" + network).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, networkGone.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/networks/" + network).then().body("status", equalTo("DELETED")).body("default", equalTo(true));

        Response again = as(token).body(server("again")).post("/v1/servers").then().statusCode(202).extract().response();
        String anew = again.path("resource.network.networkId");
        assertThat(anew).isNotNull().isNotEqualTo(network);
        assertThat(awaitFinished(token, again.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/networks/" + anew).then().body("status", equalTo("AVAILABLE")).body("default", equalTo(true))
                .body("name", equalTo(NAME));
    }

    @Test
    void aKeptDefaultNetworkDeletedMeanwhileIsReadAgainAndTheCreateMakesANewOne() {
        // The first create makes the network; the second finds it, and this replica keeps it for the next.
        Response first = as(token).body(server("maker")).post("/v1/servers").then().statusCode(202).extract().response();
        String network = first.path("resource.network.networkId");
        Response second = as(token).body(server("finder")).post("/v1/servers").then().statusCode(202)
                .body("resource.network.networkId", equalTo(network)).extract().response();
        for (Response created : List.of(first, second)) {
            assertThat(awaitFinished(token, created.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
            Response deleting = as(token).delete("/v1/servers/" + created.path("resource.id")).then().statusCode(202).extract().response();
            assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        }
        Response networkGone = as(token).delete("/v1/networks/" + network).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, networkGone.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        // The kept network is DELETED: the create's last round trip refuses it, and the create made again makes a new one.
        Response again = as(token).body(server("after")).post("/v1/servers").then().statusCode(202).extract().response();
        String anew = again.path("resource.network.networkId");
        assertThat(anew).isNotNull().isNotEqualTo(network);
        assertThat(awaitFinished(token, again.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(1));
    }

    @Test
    void aKeptDefaultNetworkWhoseSubnetFailedMeanwhileIsReadAgain() throws java.sql.SQLException {
        Response first = as(token).body(server("maker")).post("/v1/servers").then().statusCode(202).extract().response();
        String network = first.path("resource.network.networkId");
        awaitFinished(token, first.path("operation.id"));
        as(token).body(server("finder")).post("/v1/servers").then().statusCode(202).body("resource.network.networkId", equalTo(network));
        String zone = subnetsByZone(network).keySet().iterator().next();
        // Behind the service's back, as another replica's write would be: the zone's subnet fails.
        try (java.sql.Connection c = db.getConnection(); java.sql.PreparedStatement s = c.prepareStatement(
                "UPDATE subnet SET status = 'FAILED' WHERE network_id = ? AND zone = ?")) {
            s.setObject(1, UUID.fromString(network));
            s.setString(2, zone);
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
        Map<String, Object> inZone = server("in-failed-zone");
        inZone.put("hints", Map.of("region", REGION, "zone", zone));
        // Refused at its commit, made again with the network read anew: that zone has no usable subnet now.
        as(token).body(inZone).post("/v1/servers").then().statusCode(409).body("detail", containsString("has no usable subnet"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(2));
    }

    @Test
    void aDefaultNetworkThatFailsFailsTheServerWithTheReasonAndGivesEverythingBack() {
        sandbox().faults().inject(new Fault.FailOperation(SandboxCall.CREATE_NETWORK,
                new ProviderUnavailable("sandbox", "the network service is down")));
        Response accepted = as(token).body(server("unlucky")).post("/v1/servers").then().statusCode(202).extract().response();
        String network = accepted.path("resource.network.networkId");
        Response op = awaitFinished(token, accepted.path("operation.id"));
        assertThat(op.<String>path("state")).isEqualTo("FAILED");
        assertThat(op.<String>path("error.type")).isEqualTo("urn:skydeck:problem:network-failed");
        assertThat(op.<String>path("error.detail")).contains(NAME, "FAILED");
        as(token).get("/v1/networks/" + network).then().body("status", equalTo("FAILED"));
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("FAILED"))
                .body("providerServerId", org.hamcrest.Matchers.nullValue());
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(0)).body("used.vcpu", equalTo(0));

        // The failed one holds nothing: the next create makes a new default network and runs.
        Response next = as(token).body(server("lucky")).post("/v1/servers").then().statusCode(202).extract().response();
        assertThat(next.<String>path("resource.network.networkId")).isNotEqualTo(network);
        assertThat(awaitFinished(token, next.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    @Test
    void aWorkloadWithoutANetworkRunsInTheDefaultNetworkToo() {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", "web");
        body.put("image", "registry.example/shop:1.4");
        body.put("kind", "Deployment");
        body.put("replicas", 1);
        body.put("cpuMillis", 250);
        body.put("memoryMib", 256);
        body.put("hints", Map.of("region", REGION));
        Response accepted = as(token).body(body).post("/v1/workloads").then().statusCode(202)
                .body("resource.networkId", notNullValue()).extract().response();
        String network = accepted.path("resource.networkId");
        as(token).get("/v1/networks/" + network).then().body("default", equalTo(true)).body("region", equalTo(REGION));
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/networks/" + network).then().body("status", equalTo("AVAILABLE"));
        as(token).get("/v1/workloads/" + accepted.path("resource.id")).then().body("status", equalTo("RUNNING"))
                .body("networkId", equalTo(network));
    }

    private Map<String, String> subnetsByZone(String network) {
        Map<String, String> byZone = new HashMap<>();
        List<Map<String, Object>> subnets = as(token).get("/v1/networks/" + network).then().extract().path("subnets");
        subnets.forEach(s -> byZone.put((String) s.get("zone"), (String) s.get("cidr")));
        return byZone;
    }

    private Map<String, Object> server(String name) {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        body.put("flavor", "m1.small");
        body.put("image", "debian-12");
        body.put("hints", Map.of("region", REGION));
        return body;
    }

    private SandboxCloud sandbox() {
        return (SandboxCloud) providers.get("sandbox");
    }
}
