package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CapabilityNotSupported;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Traffic control through Octavia pool members, against the Load Balancer API reference's JSON
 * (v2 pools/members; faults as WSME's {@code faultcode}/{@code faultstring}). The peer has no
 * Octavia, so this is the only place the requests are held.
 */
class OctaviaProtocolTest {
    private static final String POOL = "4029d267-3983-4224-a3d0-afb3fe16a2cd";
    private static final String SERVER = "f5dc173b-6804-445a-a6d8-c705dad5b5eb";
    private static final String OTHER_SERVER = "9e44d2f1-7a3c-4f77-9c5d-0d4d0c4a7b11";
    private static final String SUBNET = "bbb35f84-35cc-4b2f-84c2-a6a29bba68aa";
    private static final String MEMBER = "957a1ace-1bd2-449b-8455-820b6e4b63f3";
    private static final TrafficTarget WEB = new TrafficTarget("RegionOne", POOL);

    private OpenStackStubs stubs;
    private OpenStackCloud cloud;

    private TrafficControl trafficControl() {
        stubs = new OpenStackStubs().withOctavia();
        stubs.stubKeystone();
        cloud = stubs.cloud();
        return cloud.require(TrafficControl.class);
    }

    @AfterEach
    void stop() {
        if (cloud != null) {
            cloud.close();
        }
        if (stubs != null) {
            stubs.close();
        }
    }

    /** A member as GET /v2/lbaas/pools/{pool_id}/members/{member_id} shows it in the API reference. */
    private static String member(String id, String address, boolean up, String operatingStatus) {
        return """
                {"monitor_port": null, "project_id": "e3cd678b11784734bc366148aa37580e", "name": "web-server-1", "weight": 1,
                 "backup": false, "admin_state_up": %s, "subnet_id": "%s", "created_at": "2017-05-11T17:21:34",
                 "provisioning_status": "ACTIVE", "monitor_address": null, "updated_at": "2017-05-11T17:21:37",
                 "address": "%s", "protocol_port": 80, "id": "%s", "operating_status": "%s", "tags": []}"""
                .formatted(up, SUBNET, address, id, operatingStatus);
    }

    /** A Nova server with one fixed and one floating address on network "private". */
    private static String serverWithAddresses(String id, String fixed, String floating) {
        return OpenStackStubs.novaServer(id, "web-1", "ACTIVE", "2", Map.of()).replace("\"addresses\": {}", """
                "addresses": {"private": [
                  {"version": 4, "addr": "%s", "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:4c:2c:30"},
                  {"version": 4, "addr": "%s", "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:4c:2c:30"}]}"""
                .formatted(fixed, floating));
    }

    private void serverIs(String json) {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + json + "}")));
    }

    private void poolHas(String... members) {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("members", List.of(members)))));
    }

    private void memberUpdateAnswers(boolean up) {
        stubs.server.stubFor(put(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members/" + MEMBER)))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.member.admin_state_up", equalTo(String.valueOf(up))))
                .willReturn(okJson("{\"member\": " + member(MEMBER, "10.0.0.12", up, up ? "ONLINE" : "OFFLINE") + "}")));
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder octaviaFault(int status, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json")
                .withBody("{\"faultcode\": \"Client\", \"faultstring\": \"" + message + "\", \"debuginfo\": null}");
    }

    @Test
    void aCloudWhoseCatalogHasNoLoadBalancerOffersNoTrafficControl() {
        stubs = new OpenStackStubs();
        stubs.stubKeystone();
        cloud = stubs.cloud();

        assertThat(cloud.capabilities()).doesNotContain(CapabilityKind.TRAFFIC_CONTROL).contains(CapabilityKind.DEPLOYMENTS);
        assertThat(cloud.capability(TrafficControl.class)).isEmpty();
        assertThat(cloud.capability(Deployments.class)).isPresent();
        assertThatThrownBy(() -> cloud.require(TrafficControl.class))
                .isInstanceOfSatisfying(CapabilityNotSupported.class,
                        missing -> assertThat(missing.getMessage()).contains("cannot take instances in and out of traffic"));
    }

    @Test
    void aCloudWithOctaviaInItsCatalogOffersTrafficControl() {
        trafficControl();

        assertThat(cloud.capabilities()).contains(CapabilityKind.TRAFFIC_CONTROL, CapabilityKind.DEPLOYMENTS);
    }

    @Test
    void aCloudThatCannotBeAskedOffersNoTrafficControlInsteadOfFailing() {
        stubs = new OpenStackStubs();
        stubs.server.stubFor(post(urlPathEqualTo("/v3/auth/tokens")).willReturn(OpenStackStubs.unauthorized()));
        cloud = stubs.cloud();

        assertThat(cloud.capabilities()).doesNotContain(CapabilityKind.TRAFFIC_CONTROL).contains(CapabilityKind.SERVERS);
    }

    @Test
    void pullOutDisablesTheMemberWhoseAddressIsTheServersFixedAddress() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.12", "172.24.4.3"));
        poolHas(member(MEMBER, "10.0.0.12", true, "ONLINE"), member("a1b2c3d4-0000-4000-8000-000000000002", "10.0.0.13", true, "ONLINE"));
        memberUpdateAnswers(false);

        traffic.pullOut(WEB, SERVER);

        assertThat(stubs.server.findAll(putRequestedFor(anyUrl()))).singleElement().satisfies(request ->
                assertThat(request.getBodyAsString()).as("only the admin state changes")
                        .doesNotContain("weight").doesNotContain("address").contains("\"admin_state_up\" : false"));
        stubs.server.verify(1, putRequestedFor(urlPathMatching(".*/members/.*")));
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members/" + MEMBER))));
    }

    @Test
    void pullingOutAServerThatIsAlreadyOutSendsNoChange() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.12", "172.24.4.3"));
        poolHas(member(MEMBER, "10.0.0.12", false, "OFFLINE"));

        traffic.pullOut(WEB, SERVER);

        stubs.server.verify(0, putRequestedFor(anyUrl()));
        stubs.server.verify(0, postRequestedFor(urlPathMatching("/load-balancer/.*")));
    }

    @Test
    void pullInEnablesTheServersDisabledMemberAndLeavesAnEnabledOneAlone() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.12", "172.24.4.3"));
        poolHas(member(MEMBER, "10.0.0.12", false, "OFFLINE"));
        memberUpdateAnswers(true);

        traffic.pullIn(WEB, SERVER);
        stubs.server.verify(1, putRequestedFor(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members/" + MEMBER))));

        poolHas(member(MEMBER, "10.0.0.12", true, "ONLINE"));
        traffic.pullIn(WEB, SERVER);
        stubs.server.verify(1, putRequestedFor(anyUrl()));
    }

    @Test
    void pullInOfAServerWithoutAMemberAddsOneOnThePoolsPortAndSubnet() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.14", "172.24.4.9"));
        poolHas(member(MEMBER, "10.0.0.12", true, "ONLINE"));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.member.address", equalTo("10.0.0.14")))
                .withRequestBody(matchingJsonPath("$.member.protocol_port", equalTo("80")))
                .withRequestBody(matchingJsonPath("$.member.subnet_id", equalTo(SUBNET)))
                .withRequestBody(matchingJsonPath("$.member.admin_state_up", equalTo("true")))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withBody("{\"member\": " + member("c0ffee00-0000-4000-8000-000000000014", "10.0.0.14", true, "NO_MONITOR") + "}")));

        traffic.pullIn(WEB, SERVER);

        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members"))));
    }

    @Test
    void pullInToAPoolWithoutMembersIsRefusedForWantOfAPort() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.14", "172.24.4.9"));
        poolHas();

        assertThatThrownBy(() -> traffic.pullIn(WEB, SERVER))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.providerMessage()).contains("no member"));
        stubs.server.verify(0, postRequestedFor(urlPathMatching("/load-balancer/.*")));
    }

    @Test
    void inTrafficIsTheEnabledOnlineOrUnmonitoredMembersAsServers() {
        var traffic = trafficControl();
        poolHas(member(MEMBER, "10.0.0.12", true, "ONLINE"),
                member("a1b2c3d4-0000-4000-8000-000000000002", "10.0.0.13", true, "NO_MONITOR"),
                member("a1b2c3d4-0000-4000-8000-000000000003", "10.0.0.14", true, "ERROR"),
                member("a1b2c3d4-0000-4000-8000-000000000004", "10.0.0.15", false, "OFFLINE"),
                member("a1b2c3d4-0000-4000-8000-000000000005", "10.0.0.16", true, "DRAINING"));
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of(
                        serverWithAddresses(SERVER, "10.0.0.12", "172.24.4.3"),
                        serverWithAddresses(OTHER_SERVER, "10.0.0.13", "172.24.4.4"),
                        serverWithAddresses("11111111-2222-4333-8444-555555555555", "10.0.0.14", "172.24.4.5"))))));

        assertThat(traffic.inTraffic(WEB)).containsExactlyInAnyOrder(SERVER, OTHER_SERVER);
    }

    @Test
    void anUnknownPoolIsNotFoundNamingThePool() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.12", "172.24.4.3"));
        stubs.server.stubFor(get(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members")))
                .willReturn(octaviaFault(404, "Pool " + POOL + " not found.")));

        assertThatThrownBy(() -> traffic.pullOut(WEB, SERVER))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.TRAFFIC_TARGET);
                    assertThat(missing.id()).isEqualTo(POOL);
                    assertThat(missing.providerMessage()).isEqualTo("Pool " + POOL + " not found.");
                });
    }

    @Test
    void anUnknownServerIsNotFoundBeforeOctaviaIsAsked() {
        var traffic = trafficControl();
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER))).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"itemNotFound\": {\"code\": 404, \"message\": \"Instance " + SERVER + " could not be found.\"}}")));

        assertThatThrownBy(() -> traffic.pullIn(WEB, SERVER))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> assertThat(missing.type()).isEqualTo(ResourceType.SERVER));
        stubs.server.verify(0, com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlPathMatching("/load-balancer/.*")));
    }

    @Test
    void aLoadBalancerBusyWithAnEarlierChangeIsThrottledNotRefused() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.12", "172.24.4.3"));
        poolHas(member(MEMBER, "10.0.0.12", true, "ONLINE"));
        stubs.server.stubFor(put(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members/" + MEMBER)))
                .willReturn(octaviaFault(409, "Load Balancer 607226db-27ef-4d41-ae89-f2a800e9c2db is immutable and cannot be updated.")));

        assertThatThrownBy(() -> traffic.pullOut(WEB, SERVER))
                .isInstanceOfSatisfying(Throttled.class, throttled -> {
                    assertThat(throttled.retryable()).isTrue();
                    assertThat(throttled.retryAfter()).contains(Duration.ofSeconds(1));
                    assertThat(throttled.providerMessage()).contains("is immutable");
                });
    }

    @Test
    void anotherConflictStaysARefusal() {
        var traffic = trafficControl();
        serverIs(serverWithAddresses(SERVER, "10.0.0.14", "172.24.4.9"));
        poolHas(member(MEMBER, "10.0.0.12", true, "ONLINE"));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.loadBalancer("/lbaas/pools/" + POOL + "/members")))
                .willReturn(octaviaFault(409, "Another member on this pool is already using ip 10.0.0.14 on protocol_port 80")));

        assertThatThrownBy(() -> traffic.pullIn(WEB, SERVER)).isInstanceOf(RequestRejected.class);
    }

    @Test
    void weightsAndHeaderRoutingAreNotOffered() {
        var traffic = trafficControl();

        assertThat(traffic.weighsTraffic()).isFalse();
        assertThat(traffic.routesByHeader()).isFalse();
    }

    @Test
    void cidrContainmentForTheMembersSubnet() {
        assertThat(OctaviaTrafficControl.Cidrs.contains("10.0.0.0/24", "10.0.0.14")).isTrue();
        assertThat(OctaviaTrafficControl.Cidrs.contains("10.0.0.0/24", "10.0.1.14")).isFalse();
        assertThat(OctaviaTrafficControl.Cidrs.contains("2001:db8::/64", "2001:db8::5")).isTrue();
        assertThat(OctaviaTrafficControl.Cidrs.contains("10.0.0.0/24", "2001:db8::5")).isFalse();
    }
}
