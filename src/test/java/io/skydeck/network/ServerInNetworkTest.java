package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
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

@QuarkusTest
class ServerInNetworkTest {

    @Inject
    ProviderRegistry providers;

    UUID tenant;
    UUID project;
    String token;
    String network;

    @BeforeEach
    void aTenantWithANetwork() {
        tenant = createTenant(uniqueName("srvnet"), quota(64, 256, 8, 0, 0, 2));
        project = createProject(tenant, "app");
        token = Tokens.tenant(tenant);
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "vpc", "cidr", "10.70.0.0/16",
                "hints", Map.of("region", "sbx-east-1"))).post("/v1/networks").then().statusCode(202).extract().response();
        awaitFinished(token, accepted.path("operation.id"));
        network = accepted.path("resource.id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!as(token).get("/v1/networks/" + network).then().extract().<List<String>>path("subnets.status").stream()
                .allMatch("AVAILABLE"::equals)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void serversGetAddressesFromTheirHostsBlocksInTheirZonesSubnetAndRoutesAreBlocks() {
        String web = securityGroup("web", List.of(rule("ingress", "tcp", 443, "0.0.0.0/0")));
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            servers.add(createServer("app" + i, List.of(web)));
        }
        Map<String, String> subnetCidrByZone = new HashMap<>();
        Response n = as(token).get("/v1/networks/" + network).then().extract().response();
        List<Map<String, Object>> subnets = n.path("subnets");
        subnets.forEach(s -> subnetCidrByZone.put((String) s.get("zone"), (String) s.get("cidr")));

        Set<String> addresses = new HashSet<>();
        Set<String> hosts = new HashSet<>();
        for (String id : servers) {
            Response server = as(token).get("/v1/servers/" + id).then().statusCode(200)
                    .body("network.networkId", equalTo(network)).extract().response();
            String address = server.path("network.privateAddress");
            String zone = server.path("placement.zone");
            hosts.add(server.path("placement.host"));
            assertThat(Cidr.parse(subnetCidrByZone.get(zone)).contains(IpAddress.parse(address)))
                    .as(address + " lies in the subnet of its zone " + zone).isTrue();
            assertThat(addresses.add(address)).as("no address twice").isTrue();
            // The provider was asked for exactly the address the IPAM chose.
            ProviderServer inCloud = sandboxServers().get(server.path("providerServerId")).orElseThrow();
            assertThat(inCloud.addresses()).containsExactly(address);
        }

        List<Map<String, Object>> zones = as(token).get("/v1/networks/" + network + "/ipam").then().statusCode(200).extract().path("items");
        int claimed = zones.stream().mapToInt(z -> (Integer) z.get("claimedBlocks")).sum();
        int used = zones.stream().flatMap(z -> ((List<Map<String, Object>>) z.get("claimed")).stream())
                .mapToInt(b -> (Integer) b.get("used")).sum();
        assertThat(used).isEqualTo(4);
        assertThat(claimed).as("one block per host that has servers").isEqualTo(hosts.size());
        List<String> routeTypes = as(token).get("/v1/networks/" + network + "/routes").then().statusCode(200).extract().path("items.nextHopType");
        assertThat(routeTypes).hasSize(claimed).containsOnly("HOST");

        as(token).delete("/v1/networks/" + network).then().statusCode(409).body("detail", containsString("in use by server(s)"));
        as(token).delete("/v1/security-groups/" + web).then().statusCode(409).body("detail", containsString("in use by"));

        Response deleting = as(token).delete("/v1/servers/" + servers.get(0)).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        // The address is released once the delete has committed: right after the operation ends, not with it.
        long deadline = System.nanoTime() + 10_000_000_000L;
        int quarantined = 0;
        int stillUsed = 0;
        while (quarantined == 0 && System.nanoTime() < deadline) {
            List<Map<String, Object>> after = as(token).get("/v1/networks/" + network + "/ipam").then().extract().path("items");
            stillUsed = after.stream().flatMap(z -> ((List<Map<String, Object>>) z.get("claimed")).stream())
                    .mapToInt(b -> (Integer) b.get("used")).sum();
            quarantined = after.stream().flatMap(z -> ((List<Map<String, Object>>) z.get("claimed")).stream())
                    .mapToInt(b -> (Integer) b.get("quarantined")).sum();
        }
        assertThat(quarantined).as("a released address waits out its quarantine").isEqualTo(1);
        assertThat(stillUsed).isEqualTo(3);
    }

    @Test
    void aServerOutsideItsNetworksRegionOrWithAnotherTenantsNetworkIsRefused() {
        Map<String, Object> elsewhere = server("lost", List.of());
        elsewhere.put("hints", Map.of("region", "sbx-west-1"));
        as(token).body(elsewhere).post("/v1/servers").then().statusCode(400).body("errors[0].field", equalTo("hints.region"));

        Map<String, Object> groupsWithoutNetwork = server("floating", List.of(UUID.randomUUID().toString()));
        groupsWithoutNetwork.remove("networkId");
        as(token).body(groupsWithoutNetwork).post("/v1/servers").then().statusCode(400)
                .body("errors[0].field", equalTo("securityGroups"));

        UUID other = createTenant(uniqueName("srvnetother"), quota(8, 16, 2, 0, 0, 1));
        UUID otherProject = createProject(other, "theirs");
        Map<String, Object> intoOurs = server("sneak", List.of());
        intoOurs.put("projectId", otherProject.toString());
        as(Tokens.tenant(other)).body(intoOurs).post("/v1/servers").then().statusCode(404).body("detail", containsString(network));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(0));
    }

    private String createServer(String name, List<String> groups) {
        Response accepted = as(token).body(server(name, groups)).post("/v1/servers").then().statusCode(202)
                .body("resource.network.networkId", equalTo(network)).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        return accepted.path("resource.id");
    }

    private Map<String, Object> server(String name, List<String> groups) {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        body.put("flavor", "m1.small");
        body.put("image", "debian-12");
        body.put("networkId", network);
        body.put("securityGroups", groups);
        return body;
    }

    private String securityGroup(String name, List<Map<String, Object>> rules) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "networkId", network, "name", name, "rules", rules))
                .post("/v1/security-groups").then().statusCode(202).extract().response();
        String id = accepted.path("resource.id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"AVAILABLE".equals(as(token).get("/v1/security-groups/" + id).then().extract().path("status"))) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        return id;
    }

    private static Map<String, Object> rule(String direction, String protocol, int port, String cidr) {
        return Map.of("direction", direction, "protocol", protocol, "portFrom", port, "portTo", port, "remoteCidr", cidr);
    }

    private Servers sandboxServers() {
        return providers.get("sandbox").require(Servers.class);
    }
}
