package io.skydeck.connectors.openstack;

import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server booted into a tenant network, with Nova and Neutron answering as their API references
 * show. With the IPAM's address: a Neutron port first (golden/neutron/port-fixed-ip.json), then
 * Nova boots on it (golden/nova/server-on-port.json). With networks but no address: Nova makes
 * the port (golden/nova/server-on-network.json). The real peer cannot bind ports (no agents), so
 * these requests are held here only.
 */
class ServerInNetworkProtocolTest {
    private static final String PROJECT = "a6944d763bf64ee6a275f1263fae0352";
    private static final String NETWORK = "4e8e5957-649f-477b-9e5b-f1f75b21c03c";
    private static final String SUBNET = "54d6f61d-db07-451c-9ab3-b9609b6b6f0b";
    private static final String WEB_GROUP = "85cc3048-abc3-43cc-89b3-377341426ac5";
    private static final String SSH_GROUP = "5c5a8b2e-6b11-4d60-a0c4-2f6a3f7c9a01";
    private static final String PORT = "be2d8a6e-6dd9-4f40-95a3-3a9f2a1a0c77";
    private static final String SERVER = "f5dc173b-6804-445a-a6d8-c705dad5b5eb";
    private static final String IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b";
    private static final IdempotencyToken CREATE = IdempotencyToken.of("req-net-1");
    private static final String PORT_NAME = "skydeck-port-req-net-1";
    private static final ServerSpec WEB_1 = new ServerSpec("web-1", "RegionOne", Optional.of("az-1"), Optional.empty(), "2", IMAGE,
            List.of(), List.of(), Map.of("tenant", "t-1"))
            .inNetwork(NETWORK, SUBNET, "10.61.1.23", List.of(WEB_GROUP, SSH_GROUP));

    private OpenStackStubs stubs;
    private OpenStackCloud cloud;
    private Servers servers;

    @BeforeEach
    void start() {
        stubs = new OpenStackStubs();
        stubs.stubKeystone();
        cloud = stubs.cloud();
        servers = cloud.require(Servers.class);
    }

    @AfterEach
    void stop() {
        cloud.close();
        stubs.close();
    }

    private void answer(MappingBuilder request, int status, String body) {
        stubs.server.stubFor(request.withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    /** A port as the Networking API reference shows POST/GET /v2.0/ports answering (ML2/OVS, not bound yet). */
    private static String port(String address, String deviceId) {
        return """
                {"admin_state_up": true, "allowed_address_pairs": [], "binding:host_id": "", "binding:profile": {},
                 "binding:vif_details": {}, "binding:vif_type": "unbound", "binding:vnic_type": "normal",
                 "created_at": "2026-04-01T09:58:19Z", "description": "", "device_id": "%s", "device_owner": "%s",
                 "dns_assignment": [], "dns_name": "", "extra_dhcp_opts": [],
                 "fixed_ips": [{"ip_address": "%s", "subnet_id": "%s"}], "id": "%s", "ip_allocation": "immediate",
                 "mac_address": "fa:16:3e:c9:cb:f0", "name": "%s", "network_id": "%s", "port_security_enabled": true,
                 "project_id": "%s", "revision_number": 1, "security_groups": ["%s", "%s"], "status": "DOWN", "tags": [],
                 "tenant_id": "%s", "updated_at": "2026-04-01T09:58:19Z", "qos_policy_id": null, "propagate_uplink_status": false}"""
                .formatted(deviceId, deviceId.isEmpty() ? "" : "compute:az-1", address, SUBNET, PORT, PORT_NAME, NETWORK, PROJECT,
                        WEB_GROUP, SSH_GROUP, PROJECT);
    }

    /** Nova's 202 to POST /servers, as the Compute API reference shows it. */
    private static String accepted() {
        return """
                {"server": {"OS-DCF:diskConfig": "AUTO", "adminPass": "6NpUwoz2QDRN", "id": "%s",
                  "links": [{"href": "http://openstack.example.com/v2.1/servers/%s", "rel": "self"}],
                  "security_groups": [{"name": "default"}]}}""".formatted(SERVER, SERVER);
    }

    private void noServerHasTheToken() {
        answer(get(urlPathEqualTo(stubs.compute("/servers/detail"))), 200, "{\"servers\": []}");
    }

    private void portsNamed(String... ports) {
        answer(get(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("name", equalTo(PORT_NAME)),
                200, "{\"ports\": [" + String.join(", ", ports) + "]}");
    }

    private void neutronMakesThePort() {
        answer(post(urlPathEqualTo(stubs.network("/ports")))
                .withRequestBody(matchingJsonPath("$.port.network_id", equalTo(NETWORK)))
                .withRequestBody(matchingJsonPath("$.port.fixed_ips[0].subnet_id", equalTo(SUBNET)))
                .withRequestBody(matchingJsonPath("$.port.fixed_ips[0].ip_address", equalTo("10.61.1.23")))
                .withRequestBody(matchingJsonPath("$.port.security_groups[0]", equalTo(WEB_GROUP)))
                .withRequestBody(matchingJsonPath("$.port.security_groups[1]", equalTo(SSH_GROUP)))
                .withRequestBody(matchingJsonPath("$.port.name", equalTo(PORT_NAME))),
                201, "{\"port\": " + port("10.61.1.23", "") + "}");
    }

    private void neutronTagsThePort() {
        answer(put(urlPathEqualTo(stubs.network("/ports/" + PORT + "/tags")))
                        .withRequestBody(equalToJson("{\"tags\": [\"skydeck-token:req-net-1\", \"tenant=t-1\"]}")),
                200, "{\"tags\": [\"skydeck-token:req-net-1\", \"tenant=t-1\"]}");
    }

    private MappingBuilder novaBootsOnThePort() {
        return post(urlPathEqualTo(stubs.compute("/servers")))
                .withRequestBody(matchingJsonPath("$.server.networks[0].port", equalTo(PORT)))
                .withRequestBody(matchingJsonPath("$.server.networks[0].uuid", absent()))
                .withRequestBody(matchingJsonPath("$.server.security_groups", absent()))
                .withRequestBody(matchingJsonPath("$.server.metadata.skydeck-token", equalTo("req-net-1")))
                .withRequestBody(matchingJsonPath("$.server.metadata.skydeck-port", equalTo(PORT)));
    }

    @Test
    void aServerWithTheIpamsAddressBootsOnANeutronPortMadeForItsToken() {
        noServerHasTheToken();
        portsNamed();
        neutronMakesThePort();
        neutronTagsThePort();
        answer(novaBootsOnThePort(), 202, accepted());

        OperationHandle handle = servers.create(WEB_1, CREATE);

        assertThat(handle.resource().id()).isEqualTo(SERVER);
        assertThat(changes()).containsExactly(
                "POST /network/v2.0/ports",
                "PUT /network/v2.0/ports/" + PORT + "/tags",
                "POST /compute/v2.1/servers");
        Golden.assertJson("neutron/port-fixed-ip.json", sentBody(postRequestedFor(urlPathEqualTo(stubs.network("/ports")))));
        Golden.assertJson("nova/server-on-port.json", sentBody(postRequestedFor(urlPathEqualTo(stubs.compute("/servers")))));
    }

    /** An empty list would be a port in no group at all, open to nothing and to everything its network allows. */
    @Test
    void aServerInNoGroupGetsAPortWithoutSecurityGroupsSoNeutronGivesItTheDefaultGroup() {
        noServerHasTheToken();
        portsNamed();
        answer(post(urlPathEqualTo(stubs.network("/ports")))
                .withRequestBody(matchingJsonPath("$.port.fixed_ips[0].ip_address", equalTo("10.61.1.23")))
                .withRequestBody(matchingJsonPath("$.port.security_groups", absent())),
                201, "{\"port\": " + port("10.61.1.23", "") + "}");
        neutronTagsThePort();
        answer(novaBootsOnThePort(), 202, accepted());

        servers.create(WEB_1.inNetwork(NETWORK, SUBNET, "10.61.1.23", List.of()), CREATE);

        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(stubs.network("/ports"))));
    }

    /** The service crashed after Neutron made the port and before Nova was asked: its retry carries the same token. */
    @Test
    void aRetryAfterACrashBetweenPortAndBootBootsOnTheSamePortAndMakesNoSecond() {
        noServerHasTheToken();
        portsNamed(port("10.61.1.23", ""));
        neutronTagsThePort();
        answer(novaBootsOnThePort(), 202, accepted());

        OperationHandle handle = servers.create(WEB_1, CREATE);

        assertThat(handle.resource().id()).isEqualTo(SERVER);
        stubs.server.verify(0, postRequestedFor(urlPathEqualTo(stubs.network("/ports"))));
        assertThat(changes()).containsExactly(
                "PUT /network/v2.0/ports/" + PORT + "/tags",
                "POST /compute/v2.1/servers");
    }

    @Test
    void aRetryAfterTheBootFindsTheServerByItsTokenAndTouchesNoPort() {
        answer(get(urlPathEqualTo(stubs.compute("/servers/detail"))), 200, OpenStackStubs.list("servers", List.of(
                OpenStackStubs.novaServer(SERVER, "web-1", "BUILD", "2", Map.of("skydeck-token", "req-net-1", "skydeck-port", PORT)))));

        OperationHandle handle = servers.create(WEB_1, CREATE);

        assertThat(handle.resource().id()).isEqualTo(SERVER);
        assertThat(changes()).isEmpty();
        assertThat(stubs.server.getAllServeEvents()).noneMatch(event -> event.getRequest().getUrl().startsWith("/network/"));
    }

    @Test
    void theTokenOfAPortForAnotherAddressCannotBootThisOne() {
        noServerHasTheToken();
        portsNamed(port("10.61.1.99", ""));

        assertThatThrownBy(() -> servers.create(WEB_1, CREATE))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("token-reused");
                    assertThat(rejected.providerMessage()).contains(PORT).contains("10.61.1.23");
                });
        assertThat(changes()).isEmpty();
    }

    @Test
    void aBootNovaRefusesForGoodDeletesThePortItWasToUse() {
        noServerHasTheToken();
        portsNamed();
        neutronMakesThePort();
        neutronTagsThePort();
        answer(novaBootsOnThePort(), 400, "{\"badRequest\": {\"code\": 400, \"message\": \"Flavor 2 could not be found.\"}}");
        answer(get(urlPathEqualTo(stubs.network("/ports/" + PORT))), 200, "{\"port\": " + port("10.61.1.23", "") + "}");
        answer(delete(urlPathEqualTo(stubs.network("/ports/" + PORT))), 204, "");

        assertThatThrownBy(() -> servers.create(WEB_1, CREATE)).isInstanceOf(ResourceNotFound.class);

        assertThat(changes()).containsExactly(
                "POST /network/v2.0/ports",
                "PUT /network/v2.0/ports/" + PORT + "/tags",
                "POST /compute/v2.1/servers",
                "DELETE /network/v2.0/ports/" + PORT);
    }

    /** Nova's rate limit answers before anything is made; the retry makes the port again under the same name. */
    @Test
    void aThrottledBootDeletesThePortToo() {
        noServerHasTheToken();
        portsNamed();
        neutronMakesThePort();
        neutronTagsThePort();
        stubs.server.stubFor(novaBootsOnThePort().withHeader("X-Auth-Token", equalTo(TOKEN)).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json").withHeader("Retry-After", "30")
                .withBody("{\"overLimit\": {\"code\": 429, \"message\": \"This request was rate-limited.\", \"retryAfter\": \"30\"}}")));
        answer(get(urlPathEqualTo(stubs.network("/ports/" + PORT))), 200, "{\"port\": " + port("10.61.1.23", "") + "}");
        answer(delete(urlPathEqualTo(stubs.network("/ports/" + PORT))), 204, "");

        assertThatThrownBy(() -> servers.create(WEB_1, CREATE)).isInstanceOf(Throttled.class);

        stubs.server.verify(1, deleteRequestedFor(urlPathEqualTo(stubs.network("/ports/" + PORT))));
    }

    /** A 5xx may have made the server, and the caller retries with the same token: the port waits for that retry. */
    @Test
    void aBootThatMayStillSucceedKeepsThePortForTheRetry() {
        noServerHasTheToken();
        portsNamed();
        neutronMakesThePort();
        neutronTagsThePort();
        answer(novaBootsOnThePort(), 500, "{\"computeFault\": {\"code\": 500, \"message\": \"Unexpected API Error.\"}}");

        assertThatThrownBy(() -> servers.create(WEB_1, CREATE)).isInstanceOf(ProviderUnavailable.class);

        stubs.server.verify(0, deleteRequestedFor(urlPathEqualTo(stubs.network("/ports/" + PORT))));
    }

    /**
     * Every boot attempt saw a 5xx and no server was made: the failed create's clean-up finds no
     * server by the token and releases the port made for it — but not a port a server holds.
     */
    @Test
    void theCleanUpOfACreateThatMadeNoServerDeletesThePortMadeForItsToken() {
        noServerHasTheToken();
        portsNamed(port("10.61.1.23", ""));
        answer(delete(urlPathEqualTo(stubs.network("/ports/" + PORT))), 204, "");

        assertThat(servers.findByToken(CREATE)).isEmpty();
        servers.releaseLeftovers(CREATE);

        stubs.server.verify(1, deleteRequestedFor(urlPathEqualTo(stubs.network("/ports/" + PORT))));
    }

    @Test
    void theCleanUpLeavesAPortAServerHolds() {
        portsNamed(port("10.61.1.23", SERVER));

        servers.releaseLeftovers(CREATE);

        stubs.server.verify(0, deleteRequestedFor(urlPathEqualTo(stubs.network("/ports/" + PORT))));
        stubs.server.verify(1, getRequestedFor(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("name", equalTo(PORT_NAME)));
    }

    @Test
    void deletingAServerOnASkydeckPortDeletesThePortOnceNovaHasLetTheServerGo() {
        String path = stubs.compute("/servers/" + SERVER);
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("delete").withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER, "web-1", "ERROR", "2",
                        Map.of("skydeck-token", "req-net-1", "skydeck-port", PORT)) + "}")));
        stubs.server.stubFor(delete(urlPathEqualTo(path)).inScenario("delete").withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(204)).willSetStateTo("gone"));
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("delete").whenScenarioStateIs("gone")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER + " could not be found.\"}}")));
        answer(delete(urlPathEqualTo(stubs.network("/ports/" + PORT))), 204, "");

        OperationHandle deleting = servers.delete(SERVER, IdempotencyToken.of("del-1"));
        assertThat(changes()).containsExactly("DELETE /compute/v2.1/servers/" + SERVER);

        assertThat(cloud.poll(deleting)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(changes()).containsExactly(
                "DELETE /compute/v2.1/servers/" + SERVER,
                "DELETE /network/v2.0/ports/" + PORT);
    }

    @Test
    void aPortNeutronAlreadyRemovedDoesNotFailTheServersDelete() {
        String path = stubs.compute("/servers/" + SERVER);
        answer(get(urlPathEqualTo(path)), 404,
                "{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER + " could not be found.\"}}");
        answer(delete(urlPathEqualTo(stubs.network("/ports/" + PORT))), 404,
                "{\"NeutronError\": {\"type\": \"PortNotFound\", \"message\": \"Port " + PORT + " could not be found.\", \"detail\": \"\"}}");
        OperationHandle deleting = new OpenStackSession(stubs.config(), null, java.time.Clock.systemUTC())
                .handle(io.skydeck.connectors.spi.OperationKind.DELETE, io.skydeck.connectors.spi.ResourceType.SERVER,
                        SERVER, "RegionOne", Optional.of(IdempotencyToken.of("del-1")), PORT);

        assertThat(cloud.poll(deleting)).isInstanceOf(OperationStatus.Succeeded.class);
        stubs.server.verify(1, deleteRequestedFor(urlPathEqualTo(stubs.network("/ports/" + PORT))));
    }

    @Test
    void thePortKeptInTheServersMetadataIsNeitherItsTagNorItsToken() {
        answer(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER))), 200, "{\"server\": " + OpenStackStubs.novaServer(SERVER, "web-1",
                "ACTIVE", "2", Map.of("skydeck-token", "req-net-1", "skydeck-port", PORT, "tenant", "t-1")) + "}");

        assertThat(servers.get(SERVER)).hasValueSatisfying(server -> {
            assertThat(server.tags()).isEqualTo(Map.of("tenant", "t-1"));
            assertThat(server.token()).contains(CREATE);
        });
    }

    @Test
    void networksWithoutAnAddressBootOnTheNetworkWithTheGroupsAsNovaTakesThem() {
        noServerHasTheToken();
        answer(post(urlPathEqualTo(stubs.compute("/servers")))
                .withRequestBody(matchingJsonPath("$.server.networks[0].uuid", equalTo(NETWORK)))
                .withRequestBody(matchingJsonPath("$.server.security_groups[0].name", equalTo(WEB_GROUP)))
                .withRequestBody(matchingJsonPath("$.server.security_groups[1].name", equalTo(SSH_GROUP))), 202, accepted());
        ServerSpec spec = new ServerSpec("web-1", "RegionOne", Optional.of("az-1"), Optional.empty(), "2", IMAGE,
                List.of(NETWORK), List.of(WEB_GROUP, SSH_GROUP), Map.of("tenant", "t-1"));

        assertThat(servers.create(spec, CREATE).resource().id()).isEqualTo(SERVER);

        assertThat(stubs.server.getAllServeEvents()).noneMatch(event -> event.getRequest().getUrl().startsWith("/network/"));
        Golden.assertJson("nova/server-on-network.json", sentBody(postRequestedFor(urlPathEqualTo(stubs.compute("/servers")))));
    }

    private String sentBody(com.github.tomakehurst.wiremock.matching.RequestPatternBuilder pattern) {
        var sent = stubs.server.findAll(pattern);
        assertThat(sent).hasSize(1);
        return sent.get(0).getBodyAsString();
    }

    /** The requests that changed something, oldest first, as "METHOD path". */
    private List<String> changes() {
        List<String> changes = new ArrayList<>();
        for (ServeEvent event : stubs.server.getAllServeEvents()) {
            String method = event.getRequest().getMethod().getName();
            String url = event.getRequest().getUrl();
            if (!method.equals("GET") && !url.startsWith("/v3/")) {
                changes.add(0, method + " " + url);
            }
        }
        return changes;
    }
}
