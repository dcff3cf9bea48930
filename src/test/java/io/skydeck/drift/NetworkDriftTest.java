package io.skydeck.drift;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.TracksOperations;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;

/** Drift of networks, subnets and public addresses: made or removed behind Skydeck's back. */
@QuarkusTest
class NetworkDriftTest {

    @Inject
    ProviderRegistry providers;

    @Inject
    DriftDetector detector;

    @Test
    void aNetworkMadeByHandIsAnOrphanAndSubnetsAndAddressesRemovedByHandAreGhosts() {
        Networks networks = providers.get("sandbox").require(Networks.class);
        PublicIps publicIps = providers.get("sandbox").require(PublicIps.class);
        String byHand = networks.createNetwork(new NetworkSpec("console-net", "sbx-east-1", Optional.of("192.168.0.0/24"), Map.of()),
                IdempotencyToken.of("console-" + UUID.randomUUID().toString().substring(0, 8))).resource().id();

        UUID tenant = createTenant(uniqueName("netdrift"), quota(8, 16, 2, 0, 1, 1));
        UUID project = createProject(tenant, "net");
        String token = Tokens.tenant(tenant);
        Response network = as(token).body(Map.of("projectId", project.toString(), "name", "drifting", "cidr", "10.77.0.0/16"))
                .post("/v1/networks").then().statusCode(202).extract().response();
        awaitFinished(token, network.path("operation.id"));
        String networkId = network.path("resource.id");
        List<String> subnetIds = awaitSubnets(token, networkId);
        Response ip = as(token).body(Map.of("projectId", project.toString(), "region", "sbx-east-1")).post("/v1/public-ips")
                .then().statusCode(202).extract().response();
        awaitFinished(token, ip.path("operation.id"));
        String providerIp = as(token).get("/v1/public-ips/" + ip.path("resource.id")).then().extract().path("providerPublicIpId");

        // Behind Skydeck's back: one subnet and the address go.
        awaitDone(networks, networks.deleteSubnet(subnetIds.get(0), IdempotencyToken.of("by-hand-1")));
        awaitDone(publicIps, publicIps.release(providerIp, IdempotencyToken.of("by-hand-2")));

        detector.syncAll();

        Response report = as(Tokens.admin()).queryParam("provider", "sandbox").get("/v1/drift").then().statusCode(200).extract().response();
        assertThat(finding(report, byHand, "resourceType")).isEqualTo("network");
        assertThat(finding(report, byHand, "kind")).isEqualTo("orphan");
        assertThat(finding(report, byHand, "origin")).isEqualTo("no-token");
        assertThat(finding(report, subnetIds.get(0), "resourceType")).isEqualTo("subnet");
        assertThat(finding(report, subnetIds.get(0), "kind")).isEqualTo("ghost");
        assertThat(finding(report, subnetIds.get(0), "tenantId")).isEqualTo(tenant.toString());
        assertThat(finding(report, subnetIds.get(1), "kind")).as("the other subnet is where it should be").isNull();
        assertThat(finding(report, providerIp, "resourceType")).isEqualTo("public-ip");
        assertThat(finding(report, providerIp, "kind")).isEqualTo("ghost");
        String providerNetwork = as(token).get("/v1/networks/" + networkId).then().extract().path("providerNetworkId");
        assertThat(finding(report, providerNetwork, "kind")).as("the network itself is still there").isNull();

        awaitDone(networks, networks.deleteNetwork(byHand, IdempotencyToken.of("cleanup")));
    }

    private static String finding(Response report, String providerResourceId, String field) {
        return report.path("items.find { it.providerResourceId == '" + providerResourceId + "' }." + field);
    }

    private static List<String> awaitSubnets(String token, String networkId) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Response n = as(token).get("/v1/networks/" + networkId).then().extract().response();
            List<String> statuses = n.path("subnets.status");
            if (!statuses.isEmpty() && statuses.stream().allMatch("AVAILABLE"::equals)) {
                return n.path("subnets.providerSubnetId");
            }
            assertThat(System.nanoTime()).as("subnets available within 30 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static void awaitDone(TracksOperations provider, OperationHandle handle) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!(provider.poll(handle) instanceof OperationStatus.Succeeded)) {
            assertThat(System.nanoTime()).as("the sandbox finishes " + handle).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
