package io.skydeck.network;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.sandbox.Fault;
import io.skydeck.connectors.sandbox.SandboxCall;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.providers.GuardedProvider;
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
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

@QuarkusTest
class NetworkLinkApiTest {

    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenantWithAProject() {
        tenant = createTenant(uniqueName("linkten"), quota(8, 16, 2, 0, 0, 5));
        project = createProject(tenant, "mesh");
        token = Tokens.tenant(tenant);
    }

    @Test
    void twoNetworksArePeeredByAnOperationRouteToEachOtherAndOverlapsAreRefusedNamingBothRanges() {
        String east = network("east", "10.1.0.0/16", "sbx-east-1");
        String west = network("west", "10.2.0.0/16", "sbx-west-1");
        String overlapsEast = network("shadow", "10.1.128.0/17", "sbx-west-1");

        Response accepted = as(token).body(Map.of("networkA", east, "networkB", west)).post("/v1/network-links")
                .then().statusCode(202).body("resource.kind", equalTo("PEERING")).body("resource.status", equalTo("CREATING"))
                .body("operation.kind", equalTo("CREATE_NETWORK_LINK")).body("$", not(hasKey("preSharedKey")))
                .extract().response();
        String linkId = accepted.path("resource.id");
        // While the peering is made, the pair is taken: no second link, no overlapping one.
        as(token).body(Map.of("networkA", west, "networkB", east)).post("/v1/network-links").then().statusCode(409);
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response link = as(token).get("/v1/network-links/" + linkId).then().statusCode(200).body("status", equalTo("AVAILABLE"))
                .body("kind", equalTo("PEERING")).body("providerLinkA", startsWith("pcx-")).body("providerLinkB", nullValue())
                .body("$", not(hasKey("preSharedKey"))).extract().response();
        String peering = link.path("providerLinkA");
        assertThat(peerings().getPeering(peering)).as("the sandbox holds the peering").hasValueSatisfying(p ->
                assertThat(List.of(p.networkId(), p.peerNetworkId())).containsExactlyInAnyOrder(providerId(east), providerId(west)));
        as(token).get("/v1/networks/" + east + "/routes").then().statusCode(200)
                .body("items.destination", equalTo(List.of("10.2.0.0/16"))).body("items.nextHop", equalTo(List.of(linkId)))
                .body("items.nextHopType", equalTo(List.of("LINK")));
        as(token).get("/v1/networks/" + west + "/routes").then().body("items.destination", equalTo(List.of("10.1.0.0/16")));
        as(token).get("/v1/network-links").then().statusCode(200).body("items.id", equalTo(List.of(linkId)));

        as(token).body(Map.of("networkA", east, "networkB", overlapsEast)).post("/v1/network-links").then().statusCode(409)
                .contentType("application/problem+json")
                .body("detail", equalTo("10.1.0.0/16 of network east overlaps 10.1.128.0/17 of network shadow; linked networks need ranges apart"));
        // West already reaches east's 10.1.0.0/16: a link from west to a range inside it would route one address two ways.
        as(token).body(Map.of("networkA", overlapsEast, "networkB", west)).post("/v1/network-links").then().statusCode(409)
                .body("errors[0].field", equalTo("networkA"))
                .body("errors[0].message", containsString("10.1.128.0/17 of network shadow overlaps 10.1.0.0/16 of network east"));
        as(token).body(Map.of("networkA", west, "networkB", east)).post("/v1/network-links").then().statusCode(409)
                .body("detail", containsString("already linked by " + linkId));
        as(token).body(Map.of("networkA", east, "networkB", east)).post("/v1/network-links").then().statusCode(400);

        as(token).delete("/v1/networks/" + east).then().statusCode(409)
                .body("detail", containsString("is in use: link " + linkId));
        Response deleting = as(token).delete("/v1/network-links/" + linkId).then().statusCode(202)
                .body("resource.status", equalTo("DELETING")).body("operation.kind", equalTo("DELETE_NETWORK_LINK")).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        assertThat(peerings().getPeering(peering)).as("the sandbox's peering is gone").isEmpty();
        as(token).get("/v1/networks/" + east + "/routes").then().body("items.size()", equalTo(0));
        as(token).get("/v1/network-links/" + linkId).then().body("status", equalTo("DELETED"));
        as(token).get("/v1/network-links").then().body("items.size()", equalTo(0));
        as(token).delete("/v1/network-links/" + linkId).then().statusCode(204);
        as(token).delete("/v1/networks/" + east).then().statusCode(202);
    }

    @Test
    void anotherTenantSeesNoLinkAndCannotDeleteIt() {
        String east = network("iso-east", "10.11.0.0/16", "sbx-east-1");
        String west = network("iso-west", "10.12.0.0/16", "sbx-east-1");
        Response accepted = as(token).body(Map.of("networkA", east, "networkB", west)).post("/v1/network-links").then().statusCode(202)
                .extract().response();
        String linkId = accepted.path("resource.id");
        awaitFinished(token, accepted.path("operation.id"));
        String otherToken = Tokens.tenant(createTenant(uniqueName("linkspy"), quota(8, 16, 2, 0, 0, 5)));

        as(otherToken).get("/v1/network-links/" + linkId).then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString(linkId.toString()));
        as(otherToken).delete("/v1/network-links/" + linkId).then().statusCode(404);
        as(otherToken).get("/v1/network-links").then().statusCode(200).body("items.size()", equalTo(0));
        as(token).get("/v1/network-links/" + linkId).then().statusCode(200).body("status", equalTo("AVAILABLE"));
        awaitFinished(token, as(token).delete("/v1/network-links/" + linkId).then().statusCode(202).extract().path("operation.id"));
    }

    @Test
    void aLinkWhosePeeringTheProviderRefusesFailsAndHoldsNothing() {
        String east = network("fail-east", "10.21.0.0/16", "sbx-east-1");
        String west = network("fail-west", "10.22.0.0/16", "sbx-east-1");
        sandbox().faults().inject(new Fault.FailOperation(SandboxCall.CREATE_PEERING,
                new RequestRejected("sandbox", "Peering limit reached.", "VpcPeeringConnectionLimitExceeded", null)));
        Response accepted = as(token).body(Map.of("networkA", east, "networkB", west)).post("/v1/network-links").then().statusCode(202)
                .extract().response();
        String linkId = accepted.path("resource.id");
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("FAILED");
        as(token).get("/v1/network-links/" + linkId).then().body("status", equalTo("FAILED")).body("providerLinkA", nullValue());
        as(token).get("/v1/networks/" + east + "/routes").then().body("items.size()", equalTo(0));
        // A failed link holds neither the pair nor the networks.
        Response again = as(token).body(Map.of("networkA", east, "networkB", west)).post("/v1/network-links").then().statusCode(202)
                .extract().response();
        assertThat(awaitFinished(token, again.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).delete("/v1/network-links/" + linkId).then().statusCode(204);
        as(token).get("/v1/network-links/" + linkId).then().body("status", equalTo("DELETED"));
        awaitFinished(token, as(token).delete("/v1/network-links/" + again.path("resource.id")).then().statusCode(202).extract().path("operation.id"));
    }

    @Test
    void aLinkNeverJoinsTwoTenants() {
        String mine = network("mine", "10.5.0.0/16", "sbx-east-1");
        UUID other = createTenant(uniqueName("linkother"), quota(8, 16, 2, 0, 0, 5));
        String otherToken = Tokens.tenant(other);
        UUID otherProject = createProject(other, "theirs");
        Response theirs = as(otherToken).body(Map.of("projectId", otherProject.toString(), "name", "theirs", "cidr", "10.6.0.0/16"))
                .post("/v1/networks").then().statusCode(202).extract().response();
        awaitFinished(otherToken, theirs.path("operation.id"));
        String theirId = theirs.path("resource.id");

        as(token).body(Map.of("networkA", mine, "networkB", theirId)).post("/v1/network-links").then().statusCode(404)
                .body("detail", containsString(theirId));
        as(otherToken).get("/v1/networks/" + mine + "/routes").then().statusCode(404);
        // Even an admin, who sees both, cannot join two tenants.
        as(Tokens.admin()).body(Map.of("networkA", mine, "networkB", theirId)).post("/v1/network-links").then().statusCode(400)
                .body("errors[0].field", equalTo("networkB"));
    }

    @Inject
    ProviderRegistry providers;

    private SandboxCloud sandbox() {
        CloudProvider provider = providers.get(SandboxCloud.DEFAULT_NAME);
        return (SandboxCloud) (provider instanceof GuardedProvider guarded ? guarded.delegate() : provider);
    }

    private NetworkPeerings peerings() {
        return providers.get(SandboxCloud.DEFAULT_NAME).require(NetworkPeerings.class);
    }

    private String providerId(String network) {
        return as(token).get("/v1/networks/" + network).then().extract().path("providerNetworkId");
    }

    private String network(String name, String cidr, String region) {
        Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", name, "cidr", cidr,
                "hints", Map.of("region", region))).post("/v1/networks").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        String id = accepted.path("resource.id");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!as(token).get("/v1/networks/" + id).then().extract().<List<String>>path("subnets.status").stream().allMatch("AVAILABLE"::equals)) {
            assertThat(System.nanoTime()).as("subnets of " + name + " available within 30 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
        return id;
    }
}
