package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.QuotaExceeded;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Neutron requests and answers as the Networking API reference shows them. */
class NeutronProtocolTest {
    private static final String NETWORK_ID = "4e8e5957-649f-477b-9e5b-f1f75b21c03c";
    private final IdempotencyToken token = IdempotencyToken.of("net-req-1");
    private OpenStackStubs stubs;
    private OpenStackCloud cloud;

    @BeforeEach
    void start() {
        stubs = new OpenStackStubs();
        stubs.stubKeystone();
        cloud = stubs.cloud();
    }

    @AfterEach
    void stop() {
        cloud.close();
        stubs.close();
    }

    private void networksTagged(String body) {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.network("/networks")))
                .withQueryParam("tags", equalTo("skydeck-token:net-req-1"))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(body)));
    }

    private static String network() {
        return """
                {"admin_state_up": true, "id": "%s", "name": "tenant-net", "project_id": "a6944d763bf64ee6a275f1263fae0352",
                 "tenant_id": "a6944d763bf64ee6a275f1263fae0352", "shared": false, "status": "ACTIVE", "subnets": [],
                 "router:external": false, "mtu": 1450, "port_security_enabled": true, "tags": [], "description": "",
                 "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-01T10:00:00Z", "revision_number": 1}"""
                .formatted(NETWORK_ID);
    }

    private static final String ROUTER_ID = "f8a44de0-fc8e-45df-93c7-f79bf3b01c95";

    private void routersListed(String routers) {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.network("/routers"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"routers\": [" + routers + "]}")));
    }

    private static String router(String gateway) {
        return """
                {"id": "%s", "name": "skydeck-router-%s", "status": "ACTIVE", "admin_state_up": true,
                 "project_id": "a6944d763bf64ee6a275f1263fae0352", "tenant_id": "a6944d763bf64ee6a275f1263fae0352",
                 "external_gateway_info": %s, "routes": [], "distributed": false, "ha": false, "tags": []}"""
                .formatted(ROUTER_ID, NETWORK_ID, gateway);
    }

    @Test
    void createPostsTheNetworkThenTagsItWithTheTokenAndGivesItARouter() {
        networksTagged("{\"networks\": []}");
        stubs.server.stubFor(post(urlPathEqualTo(stubs.network("/networks"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.network.name", equalTo("tenant-net")))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"network\": " + network() + "}")));
        stubs.server.stubFor(put(urlPathEqualTo(stubs.network("/networks/" + NETWORK_ID + "/tags"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.tags[0]", equalTo("skydeck-token:net-req-1")))
                .withRequestBody(matchingJsonPath("$.tags[1]", equalTo("tenant=t-1")))
                .willReturn(okJson("{\"tags\": [\"skydeck-token:net-req-1\", \"tenant=t-1\"]}")));

        routersListed("");
        stubs.server.stubFor(post(urlPathEqualTo(stubs.network("/routers"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.router.name", equalTo("skydeck-router-" + NETWORK_ID)))
                .withRequestBody(matchingJsonPath("$.router.admin_state_up", equalTo("true")))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"router\": " + router("null") + "}")));
        stubs.server.stubFor(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER_ID + "/tags"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.tags[0]", equalTo("skydeck-network=" + NETWORK_ID)))
                .withRequestBody(matchingJsonPath("$.tags[1]", equalTo("tenant=t-1")))
                .willReturn(okJson("{\"tags\": [\"skydeck-network=" + NETWORK_ID + "\", \"tenant=t-1\"]}")));

        OperationHandle handle = cloud.require(Networks.class)
                .createNetwork(new NetworkSpec("tenant-net", "RegionOne", Optional.empty(), Map.of("tenant", "t-1")), token);

        assertThat(handle.resource().id()).isEqualTo(NETWORK_ID);
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.network("/networks/" + NETWORK_ID + "/tags"))));
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(stubs.network("/routers")))
                .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.notContaining("external_gateway_info")));
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.network("/routers/" + ROUTER_ID + "/tags"))));
    }

    @Test
    void repeatingACreateFindsTheTaggedNetworkAndItsRouterAndPostsNothing() {
        networksTagged("{\"networks\": [" + network() + "]}");
        routersListed(router("null"));

        OperationHandle handle = cloud.require(Networks.class)
                .createNetwork(new NetworkSpec("tenant-net", "RegionOne", Optional.empty(), Map.of()), token);

        assertThat(handle.resource().id()).isEqualTo(NETWORK_ID);
        stubs.server.verify(0, postRequestedFor(urlPathEqualTo(stubs.network("/networks"))));
        stubs.server.verify(0, postRequestedFor(urlPathEqualTo(stubs.network("/routers"))));
    }

    @Test
    void withAnExternalNetworkConfiguredTheRouterGetsItsGatewayThere() {
        String external = "0a1d0a27-cffa-4de3-92c5-9d3fd3f2e74d";
        networksTagged("{\"networks\": [" + network() + "]}");
        routersListed("");
        stubs.server.stubFor(get(urlPathEqualTo(stubs.network("/networks/" + external))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"network\": " + network().replace(NETWORK_ID, external)
                        .replace("\"router:external\": false", "\"router:external\": true") + "}")));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.network("/routers"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.router.name", equalTo("skydeck-router-" + NETWORK_ID)))
                .withRequestBody(matchingJsonPath("$.router.external_gateway_info.network_id", equalTo(external)))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"router\": " + router("{\"network_id\": \"" + external + "\", \"enable_snat\": true}") + "}")));
        stubs.server.stubFor(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER_ID + "/tags"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.tags[0]", equalTo("skydeck-network=" + NETWORK_ID)))
                .willReturn(okJson("{\"tags\": [\"skydeck-network=" + NETWORK_ID + "\"]}")));
        cloud.close();
        cloud = stubs.cloud(stubs.config().withFloatingIpPool(external), java.time.Clock.systemUTC());

        cloud.require(Networks.class).createNetwork(new NetworkSpec("tenant-net", "RegionOne", Optional.empty(), Map.of()), token);

        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(stubs.network("/routers"))));
    }

    @Test
    void neutronsOverQuotaIsQuotaExceeded() {
        networksTagged("{\"networks\": []}");
        stubs.server.stubFor(post(urlPathEqualTo(stubs.network("/networks"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(409).withHeader("Content-Type", "application/json").withBody("""
                        {"NeutronError": {"type": "OverQuota", "message": "Quota exceeded for resources: ['network'].", "detail": ""}}""")));

        assertThatThrownBy(() -> cloud.require(Networks.class)
                .createNetwork(new NetworkSpec("tenant-net", "RegionOne", Optional.empty(), Map.of()), token))
                .isInstanceOfSatisfying(QuotaExceeded.class, quota -> {
                    assertThat(quota.providerCode()).contains("OverQuota");
                    assertThat(quota.providerMessage()).isEqualTo("Quota exceeded for resources: ['network'].");
                });
    }
}
