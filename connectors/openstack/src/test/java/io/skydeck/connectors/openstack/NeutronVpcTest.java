package io.skydeck.connectors.openstack;

import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.SubnetSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
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

/**
 * A VPC's Neutron requests with WireMock answering as the Networking API reference shows: the
 * router body (golden/neutron/router-*.json), a subnet becoming its interface, and the order in
 * which a network is taken apart. The real behaviour of the same calls is in OpenStackNetworkPeerTest.
 */
class NeutronVpcTest {
    private static final String PROJECT = "a6944d763bf64ee6a275f1263fae0352";
    private static final String NETWORK = "4e8e5957-649f-477b-9e5b-f1f75b21c03c";
    private static final String EXTERNAL = "0a1d0a27-cffa-4de3-92c5-9d3fd3f2e74d";
    private static final String ROUTER = "f8a44de0-fc8e-45df-93c7-f79bf3b01c95";
    private static final String SUBNET = "54d6f61d-db07-451c-9ab3-b9609b6b6f0b";
    private static final String INTERFACE_PORT = "2f0d8f2b-3e87-4ae8-a1f5-0a8cfb5b1e72";
    private OpenStackStubs stubs;
    private OpenStackCloud cloud;

    @BeforeEach
    void start() {
        stubs = new OpenStackStubs();
        stubs.stubKeystone();
        cloud = stubs.cloud(stubs.config().withFloatingIpPool(EXTERNAL), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        cloud.close();
        stubs.close();
    }

    private static String network(String id, boolean external) {
        return """
                {"admin_state_up": true, "id": "%s", "name": "net", "project_id": "%s", "tenant_id": "%s", "shared": false,
                 "status": "ACTIVE", "subnets": [], "router:external": %s, "mtu": 1450, "tags": [], "revision_number": 1}"""
                .formatted(id, PROJECT, PROJECT, external);
    }

    private static String router() {
        return """
                {"id": "%s", "name": "skydeck-router-%s", "status": "ACTIVE", "admin_state_up": true, "project_id": "%s",
                 "tenant_id": "%s", "external_gateway_info": {"network_id": "%s", "enable_snat": true, "external_fixed_ips": []},
                 "routes": [], "distributed": false, "ha": false, "tags": []}""".formatted(ROUTER, NETWORK, PROJECT, PROJECT, EXTERNAL);
    }

    private static String interfacePort(String deviceOwner) {
        return """
                {"id": "%s", "network_id": "%s", "device_id": "%s", "device_owner": "%s", "status": "DOWN",
                 "fixed_ips": [{"subnet_id": "%s", "ip_address": "10.61.0.1"}], "mac_address": "fa:16:3e:58:42:ed",
                 "admin_state_up": true, "project_id": "%s", "tenant_id": "%s"}"""
                .formatted(INTERFACE_PORT, NETWORK, ROUTER, deviceOwner, SUBNET, PROJECT, PROJECT);
    }

    private void answer(com.github.tomakehurst.wiremock.client.MappingBuilder request, int status, String body) {
        stubs.server.stubFor(request.withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body)));
    }

    @Test
    void theRouterIsNamedAfterItsNetworkWithItsGatewayOnTheExternalNetwork() {
        answer(get(urlPathEqualTo(stubs.network("/networks"))).withQueryParam("tags", equalTo("skydeck-token:vpc-1")), 200, "{\"networks\": []}");
        answer(post(urlPathEqualTo(stubs.network("/networks"))).withRequestBody(matchingJsonPath("$.network.name", equalTo("acme-vpc"))),
                201, "{\"network\": " + network(NETWORK, false) + "}");
        answer(put(urlPathEqualTo(stubs.network("/networks/" + NETWORK + "/tags"))), 200, "{\"tags\": [\"skydeck-token:vpc-1\"]}");
        answer(get(urlPathEqualTo(stubs.network("/routers"))), 200, "{\"routers\": []}");
        answer(get(urlPathEqualTo(stubs.network("/networks/" + EXTERNAL))), 200, "{\"network\": " + network(EXTERNAL, true) + "}");
        answer(post(urlPathEqualTo(stubs.network("/routers"))), 201, "{\"router\": " + router() + "}");
        answer(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/tags")))
                .withRequestBody(matchingJsonPath("$.tags[0]", equalTo("skydeck-network=" + NETWORK))), 200, "{\"tags\": []}");

        cloud.require(Networks.class).createNetwork(new NetworkSpec("acme-vpc", "RegionOne", Optional.empty(), Map.of()), IdempotencyToken.of("vpc-1"));

        var sent = stubs.server.findAll(postRequestedFor(urlPathEqualTo(stubs.network("/routers"))));
        assertThat(sent).hasSize(1);
        Golden.assertJson("neutron/router-with-gateway.json", sent.get(0).getBodyAsString());
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/tags"))));
    }

    @Test
    void aNewSubnetBecomesAnInterfaceOfItsNetworksRouter() {
        answer(get(urlPathEqualTo(stubs.network("/subnets"))), 200, "{\"subnets\": []}");
        answer(get(urlPathEqualTo(stubs.network("/networks/" + NETWORK))), 200, "{\"network\": " + network(NETWORK, false) + "}");
        answer(post(urlPathEqualTo(stubs.network("/subnets"))), 201, """
                {"subnet": {"id": "%s", "network_id": "%s", "name": "v6", "cidr": "2001:db8:61::/64", "ip_version": 6,
                 "enable_dhcp": true, "project_id": "%s", "tenant_id": "%s", "allocation_pools": [], "tags": []}}"""
                .formatted(SUBNET, NETWORK, PROJECT, PROJECT));
        answer(put(urlPathEqualTo(stubs.network("/subnets/" + SUBNET + "/tags"))), 200, "{\"tags\": [\"skydeck-token:sub-1\"]}");
        answer(get(urlPathEqualTo(stubs.network("/routers"))), 200, "{\"routers\": [" + router() + "]}");
        answer(get(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("device_id", equalTo(ROUTER)), 200, "{\"ports\": []}");
        answer(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/add_router_interface")))
                .withRequestBody(matchingJsonPath("$.subnet_id", equalTo(SUBNET))), 200, """
                {"id": "%s", "subnet_id": "%s", "port_id": "%s", "tenant_id": "%s"}""".formatted(ROUTER, SUBNET, INTERFACE_PORT, PROJECT));

        cloud.require(Networks.class).createSubnet(new SubnetSpec(NETWORK, "v6", "2001:db8:61::/64", Optional.empty(), Map.of()),
                IdempotencyToken.of("sub-1"));

        Golden.assertJson("neutron/subnet-ipv6.json",
                stubs.server.findAll(postRequestedFor(urlPathEqualTo(stubs.network("/subnets")))).get(0).getBodyAsString());
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/add_router_interface"))));
    }

    private static final String SUBNET_V6 = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    private static String subnet(String id, String name, String cidr, int version) {
        return """
                {"id": "%s", "network_id": "%s", "name": "%s", "cidr": "%s", "ip_version": %d,
                 "enable_dhcp": true, "project_id": "%s", "tenant_id": "%s", "allocation_pools": [], "tags": []}"""
                .formatted(id, NETWORK, name, cidr, version, PROJECT, PROJECT);
    }

    /** A dual-stack subnet: the IPv4 subnet, then an IPv6 /64 by SLAAC beside it with a token of its own, both on the router. */
    @Test
    void aDualStackSubnetIsAnIpv4AndAnIpv6SubnetBothInterfacesOfTheRouter() {
        answer(get(urlPathEqualTo(stubs.network("/subnets"))), 200, "{\"subnets\": []}");
        answer(get(urlPathEqualTo(stubs.network("/networks/" + NETWORK))), 200, "{\"network\": " + network(NETWORK, false) + "}");
        answer(post(urlPathEqualTo(stubs.network("/subnets"))).withRequestBody(matchingJsonPath("$.subnet.ip_version", equalTo("4"))),
                201, "{\"subnet\": " + subnet(SUBNET, "az1", "10.61.0.0/24", 4) + "}");
        answer(post(urlPathEqualTo(stubs.network("/subnets"))).withRequestBody(matchingJsonPath("$.subnet.ip_version", equalTo("6"))),
                201, "{\"subnet\": " + subnet(SUBNET_V6, "az1-v6", "2001:db8:61::/64", 6) + "}");
        answer(put(urlPathEqualTo(stubs.network("/subnets/" + SUBNET + "/tags")))
                .withRequestBody(matchingJsonPath("$.tags[0]", equalTo("skydeck-token:sub-2"))), 200, "{\"tags\": []}");
        answer(put(urlPathEqualTo(stubs.network("/subnets/" + SUBNET_V6 + "/tags")))
                .withRequestBody(matchingJsonPath("$.tags[0]", equalTo("skydeck-token:sub-2-v6"))), 200, "{\"tags\": []}");
        answer(get(urlPathEqualTo(stubs.network("/routers"))), 200, "{\"routers\": [" + router() + "]}");
        answer(get(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("device_id", equalTo(ROUTER)), 200, "{\"ports\": []}");
        answer(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/add_router_interface"))), 200, """
                {"id": "%s", "subnet_id": "%s", "port_id": "%s", "tenant_id": "%s"}""".formatted(ROUTER, SUBNET, INTERFACE_PORT, PROJECT));

        String made = cloud.require(Networks.class).createSubnet(new SubnetSpec(NETWORK, "az1", "10.61.0.0/24", Optional.of("az-1"), Map.of(),
                Optional.of("2001:db8:61::/64")), IdempotencyToken.of("sub-2")).resource().id();

        assertThat(made).isEqualTo(SUBNET);
        var posted = stubs.server.findAll(postRequestedFor(urlPathEqualTo(stubs.network("/subnets"))));
        assertThat(posted).hasSize(2);
        Golden.assertJson("neutron/subnet-dual-stack-ipv4.json", posted.get(0).getBodyAsString());
        Golden.assertJson("neutron/subnet-dual-stack-ipv6.json", posted.get(1).getBodyAsString());
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/add_router_interface")))
                .withRequestBody(matchingJsonPath("$.subnet_id", equalTo(SUBNET))));
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/add_router_interface")))
                .withRequestBody(matchingJsonPath("$.subnet_id", equalTo(SUBNET_V6))));
    }

    /** Deleting the dual-stack subnet (by its IPv4 half, the one Skydeck records) takes the IPv6 half first. */
    @Test
    void deletingADualStackSubnetDeletesItsIpv6HalfFirst() {
        answer(get(urlPathEqualTo(stubs.network("/subnets/" + SUBNET))), 200, "{\"subnet\": " + subnet(SUBNET, "az1", "10.61.0.0/24", 4) + "}");
        answer(get(urlPathEqualTo(stubs.network("/subnets/" + SUBNET + "/tags"))), 200, "{\"tags\": [\"skydeck-token:sub-2\"]}");
        answer(get(urlPathEqualTo(stubs.network("/subnets"))), 200, "{\"subnets\": [" + subnet(SUBNET, "az1", "10.61.0.0/24", 4) + ", "
                + subnet(SUBNET_V6, "az1-v6", "2001:db8:61::/64", 6) + "]}");
        answer(get(urlPathEqualTo(stubs.network("/subnets/" + SUBNET_V6 + "/tags"))), 200, "{\"tags\": [\"skydeck-token:sub-2-v6\"]}");
        answer(get(urlPathEqualTo(stubs.network("/routers"))), 200, "{\"routers\": [" + router() + "]}");
        answer(get(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("device_id", equalTo(ROUTER)), 200,
                "{\"ports\": [" + interfacePort("network:router_interface") + ", "
                        + interfacePort("network:router_interface").replace(SUBNET, SUBNET_V6).replace(INTERFACE_PORT, "3f0d8f2b-3e87-4ae8-a1f5-0a8cfb5b1e73")
                        + "]}");
        answer(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/remove_router_interface"))), 200, """
                {"id": "%s", "subnet_id": "%s", "port_id": "%s", "tenant_id": "%s"}""".formatted(ROUTER, SUBNET, INTERFACE_PORT, PROJECT));
        answer(delete(urlPathEqualTo(stubs.network("/subnets/" + SUBNET_V6))), 204, "");
        answer(delete(urlPathEqualTo(stubs.network("/subnets/" + SUBNET))), 204, "");

        cloud.require(Networks.class).deleteSubnet(SUBNET, IdempotencyToken.of("subdel-2"));

        assertThat(changes()).containsExactly(
                "PUT /routers/" + ROUTER + "/remove_router_interface",
                "DELETE /subnets/" + SUBNET_V6,
                "PUT /routers/" + ROUTER + "/remove_router_interface",
                "DELETE /subnets/" + SUBNET);
        var removed = stubs.server.findAll(putRequestedFor(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/remove_router_interface"))));
        assertThat(removed.get(0).getBodyAsString()).contains(SUBNET_V6);
        assertThat(removed.get(1).getBodyAsString()).contains(SUBNET).doesNotContain(SUBNET_V6);
    }

    @Test
    void aNetworkIsTakenApartInterfacesFirstThenTheRouterThenTheNetwork() {
        answer(get(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("network_id", equalTo(NETWORK)), 200,
                "{\"ports\": [" + interfacePort("network:router_interface") + "]}");
        answer(get(urlPathEqualTo(stubs.network("/routers"))), 200, "{\"routers\": [" + router() + "]}");
        answer(get(urlPathEqualTo(stubs.network("/ports"))).withQueryParam("device_id", equalTo(ROUTER)), 200,
                "{\"ports\": [" + interfacePort("network:router_interface") + "]}");
        answer(put(urlPathEqualTo(stubs.network("/routers/" + ROUTER + "/remove_router_interface")))
                .withRequestBody(matchingJsonPath("$.subnet_id", equalTo(SUBNET))), 200, """
                {"id": "%s", "subnet_id": "%s", "port_id": "%s", "tenant_id": "%s"}""".formatted(ROUTER, SUBNET, INTERFACE_PORT, PROJECT));
        answer(delete(urlPathEqualTo(stubs.network("/routers/" + ROUTER))), 204, "");
        answer(delete(urlPathEqualTo(stubs.network("/networks/" + NETWORK))), 204, "");

        cloud.require(Networks.class).deleteNetwork(NETWORK, IdempotencyToken.of("vpc-1"));

        assertThat(changes()).containsExactly(
                "PUT /routers/" + ROUTER + "/remove_router_interface",
                "DELETE /routers/" + ROUTER,
                "DELETE /networks/" + NETWORK);
    }

    /** The requests that changed something, oldest first, as "METHOD path" below /network/v2.0. */
    private List<String> changes() {
        List<String> changes = new ArrayList<>();
        for (ServeEvent event : stubs.server.getAllServeEvents()) {
            String method = event.getRequest().getMethod().getName();
            if (!method.equals("GET") && event.getRequest().getUrl().startsWith("/network/v2.0")) {
                changes.add(0, method + " " + event.getRequest().getUrl().substring("/network/v2.0".length()));
            }
        }
        return changes;
    }
}
