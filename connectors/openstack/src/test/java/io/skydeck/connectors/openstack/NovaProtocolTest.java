package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Inventory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Nova requests and answers as the Compute API reference shows them (microversion 2.1). */
class NovaProtocolTest {
    private static final String SERVER_ID = "f5dc173b-6804-445a-a6d8-c705dad5b5eb";
    private static final String IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b";
    private final IdempotencyToken token = IdempotencyToken.of("req-7f3a");
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

    private void noServersYet() {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of()))));
    }

    /** Nova may answer a GET of a server it has just deleted with status DELETED for a while; that server is gone. */
    @Test
    void aServerNovaShowsAsDeletedIsGone() {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "DELETED", "2", Map.of()) + "}")));

        assertThat(cloud.require(Servers.class).get(SERVER_ID)).isEmpty();
    }

    /** Nova lists at most 1,000 servers per call; the server a token names may be on the second page. */
    @Test
    void theTokenLookupPagesThroughEveryServerNovaHas() {
        List<String> firstPage = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            firstPage.add(OpenStackStubs.novaServer("00000000-0000-0000-0000-%012d".formatted(i), "other-" + i, "ACTIVE", "2", Map.of()));
        }
        String lastOfFirst = "00000000-0000-0000-0000-000000000999";
        String wanted = "99999999-0000-0000-0000-000000000001";
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withQueryParam("limit", equalTo("1000")).withQueryParam("marker", com.github.tomakehurst.wiremock.client.WireMock.absent())
                .willReturn(okJson(OpenStackStubs.list("servers", firstPage))));
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withQueryParam("limit", equalTo("1000")).withQueryParam("marker", equalTo(lastOfFirst))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of(
                        OpenStackStubs.novaServer(wanted, "web-1", "ERROR", "2", Map.of("skydeck-token", "req-paged")))))));

        assertThat(cloud.require(Servers.class).findByToken(IdempotencyToken.of("req-paged")))
                .hasValueSatisfying(found -> assertThat(found.id()).isEqualTo(wanted));
        assertThat(cloud.require(Servers.class).list()).hasSize(1001);
    }

    @Test
    void aPlacedServerIsPinnedToItsHypervisorNodeNotToAServiceHostOfTheSameName() {
        noServersYet();
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.server.availability_zone", equalTo("az-2::compute-7.example.internal")))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody("""
                        {"server": {"OS-DCF:diskConfig": "AUTO", "adminPass": "6NpUwoz2QDRN", "id": "%s",
                          "links": [], "security_groups": [{"name": "default"}]}}""".formatted(SERVER_ID))));
        ServerSpec spec = new ServerSpec("web-1", "RegionOne", java.util.Optional.empty(), java.util.Optional.empty(),
                "2", IMAGE, List.of(), List.of(), Map.of()).onHost("az-2", "compute-7.example.internal");

        OperationHandle handle = cloud.require(Servers.class).create(spec, token);

        assertThat(handle.resource().id()).isEqualTo(SERVER_ID);
    }

    @Test
    void createBootsWithFlavorImageNetworkZoneAndTheTokenInMetadata() {
        noServersYet();
        stubs.server.stubFor(post(urlPathEqualTo(stubs.compute("/servers")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.server.name", equalTo("web-1")))
                .withRequestBody(matchingJsonPath("$.server.flavorRef", equalTo("2")))
                .withRequestBody(matchingJsonPath("$.server.imageRef", equalTo(IMAGE)))
                .withRequestBody(matchingJsonPath("$.server.availability_zone", equalTo("az-2")))
                .withRequestBody(matchingJsonPath("$.server.networks[0].uuid", equalTo("net-1")))
                .withRequestBody(matchingJsonPath("$.server.metadata.skydeck-token", equalTo("req-7f3a")))
                .withRequestBody(matchingJsonPath("$.server.metadata.tenant", equalTo("t-1")))
                .willReturn(aResponse().withStatus(202).withHeader("Content-Type", "application/json").withBody("""
                        {"server": {"OS-DCF:diskConfig": "AUTO", "adminPass": "6NpUwoz2QDRN", "id": "%s",
                          "links": [], "security_groups": [{"name": "default"}]}}""".formatted(SERVER_ID))));
        ServerSpec spec = new ServerSpec("web-1", "RegionOne", java.util.Optional.of("az-2"), java.util.Optional.empty(),
                "2", IMAGE, List.of("net-1"), List.of(), Map.of("tenant", "t-1"));

        OperationHandle handle = cloud.require(Servers.class).create(spec, token);

        assertThat(handle.resource().id()).isEqualTo(SERVER_ID);
        assertThat(handle.token()).contains(token);
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(stubs.compute("/servers"))));
    }

    @Test
    void repeatingACreateFindsTheFirstServerByItsMetadataAndPostsNothing() {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of(
                        OpenStackStubs.novaServer("other", "someone-elses", "ACTIVE", "2", Map.of()),
                        OpenStackStubs.novaServer(SERVER_ID, "web-1", "BUILD", "2", Map.of("skydeck-token", "req-7f3a")))))));

        OperationHandle handle = cloud.require(Servers.class).create(ServerSpec.of("web-1", "RegionOne", "2", IMAGE), token);

        assertThat(handle.resource().id()).isEqualTo(SERVER_ID);
        stubs.server.verify(0, postRequestedFor(urlPathEqualTo(stubs.compute("/servers"))));
    }

    @Test
    void theSameTokenForADifferentServerIsRejected() {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/detail")))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson(OpenStackStubs.list("servers", List.of(
                        OpenStackStubs.novaServer(SERVER_ID, "web-1", "ACTIVE", "2", Map.of("skydeck-token", "req-7f3a")))))));

        assertThatThrownBy(() -> cloud.require(Servers.class).create(ServerSpec.of("web-1", "RegionOne", "3", IMAGE), token))
                .isInstanceOf(RequestRejected.class)
                .hasMessageContaining("req-7f3a");
    }

    @Test
    void pollReportsBuildAsInProgressAndActiveAsSucceededAtLaunchTime() {
        noServersYet();
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID))).inScenario("boot")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "BUILD", "2", Map.of()) + "}"))
                .willSetStateTo("active"));
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/servers/" + SERVER_ID))).inScenario("boot").whenScenarioStateIs("active")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "ACTIVE", "2",
                        Map.of("skydeck-token", "req-7f3a", "tenant", "t-1")) + "}")));
        OperationHandle handle = new OpenStackSession(stubs.config(), null, java.time.Clock.systemUTC())
                .handle(io.skydeck.connectors.spi.OperationKind.CREATE, io.skydeck.connectors.spi.ResourceType.SERVER,
                        SERVER_ID, "RegionOne", java.util.Optional.of(token));

        assertThat(cloud.poll(handle)).isInstanceOfSatisfying(OperationStatus.InProgress.class,
                building -> assertThat(building.detail()).isEqualTo("BUILD"));
        assertThat(cloud.poll(handle)).isInstanceOfSatisfying(OperationStatus.Succeeded.class,
                done -> assertThat(done.finishedAt()).isEqualTo(java.time.Instant.parse("2024-05-01T10:00:04Z")));
        assertThat(cloud.require(Servers.class).get(SERVER_ID)).hasValueSatisfying(server -> {
            assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
            assertThat(server.zone()).isEqualTo("nova");
            assertThat(server.token()).contains(token);
            assertThat(server.tags()).isEqualTo(Map.of("tenant", "t-1"));
        });
    }

    @Test
    void resizeIsConfirmedByThePollThatSeesVerifyResize() {
        String path = stubs.compute("/servers/" + SERVER_ID);
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("resize")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "ACTIVE", "1", Map.of()) + "}")));
        stubs.server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario("resize")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.resize.flavorRef", equalTo("2")))
                .willReturn(aResponse().withStatus(202)).willSetStateTo("verify"));
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("resize").whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "VERIFY_RESIZE", "2", Map.of()) + "}")));
        stubs.server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario("resize").whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(containing("\"confirmResize\""))
                .willReturn(aResponse().withStatus(204)).willSetStateTo("resized"));
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("resize").whenScenarioStateIs("resized")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServer(SERVER_ID, "web-1", "ACTIVE", "2", Map.of()) + "}")));
        Servers servers = cloud.require(Servers.class);

        OperationHandle resize = servers.resize(SERVER_ID, "2");

        assertThat(cloud.poll(resize)).isInstanceOfSatisfying(OperationStatus.InProgress.class,
                verifying -> assertThat(verifying.detail()).startsWith("VERIFY_RESIZE"));
        assertThat(cloud.poll(resize)).isInstanceOf(OperationStatus.Succeeded.class);
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(path + "/action")).withRequestBody(containing("\"confirmResize\"")));
    }

    /**
     * Nova resizes by migrating: the scheduler picks another hypervisor (the same one only with
     * allow_resize_to_same_host), and from VERIFY_RESIZE on the server shows the new one. The
     * resize's Succeeded carries the server as Nova shows it then, named as the hypervisor list
     * names hosts ("compute-2.example.org", not the service host "compute-2").
     */
    @Test
    void aResizeThatMigratesReportsTheServerOnItsNewHypervisor() {
        String path = stubs.compute("/servers/" + SERVER_ID);
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("migrating resize")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServerOn(SERVER_ID, "web-1", "ACTIVE", "1",
                        "compute-1", "compute-1.example.org") + "}")));
        stubs.server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario("migrating resize")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.resize.flavorRef", equalTo("2")))
                .willReturn(aResponse().withStatus(202)).willSetStateTo("verify"));
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("migrating resize").whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServerOn(SERVER_ID, "web-1", "VERIFY_RESIZE", "2",
                        "compute-2", "compute-2.example.org") + "}")));
        stubs.server.stubFor(post(urlPathEqualTo(path + "/action")).inScenario("migrating resize").whenScenarioStateIs("verify")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(containing("\"confirmResize\""))
                .willReturn(aResponse().withStatus(204)).willSetStateTo("resized"));
        stubs.server.stubFor(get(urlPathEqualTo(path)).inScenario("migrating resize").whenScenarioStateIs("resized")
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"server\": " + OpenStackStubs.novaServerOn(SERVER_ID, "web-1", "ACTIVE", "2",
                        "compute-2", "compute-2.example.org") + "}")));
        Servers servers = cloud.require(Servers.class);

        OperationHandle resize = servers.resize(SERVER_ID, "2");

        assertThat(cloud.poll(resize)).isInstanceOf(OperationStatus.InProgress.class);
        assertThat(cloud.poll(resize)).isInstanceOfSatisfying(OperationStatus.Succeeded.class, done ->
                assertThat(done.server()).hasValueSatisfying(server -> {
                    assertThat(server.id()).isEqualTo(SERVER_ID);
                    assertThat(server.host()).contains("compute-2.example.org");
                    assertThat(server.zone()).isEqualTo("nova");
                    assertThat(server.region()).isEqualTo("RegionOne");
                    assertThat(server.flavorId()).isEqualTo("2");
                    assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
                }));
        stubs.server.verify(1, postRequestedFor(urlPathEqualTo(path + "/action")).withRequestBody(containing("\"confirmResize\"")));
    }

    @Test
    void inventoryListsFlavorsAndHypervisorCapacityTimesTheAllocationRatios() {
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/flavors/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"flavors": [{"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1, "swap": "",
                          "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false, "os-flavor-access:is_public": true,
                          "rxtx_factor": 1.0, "links": []}]}""")));
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/os-availability-zone/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"availabilityZoneInfo": [{"zoneName": "az-2", "zoneState": {"available": true},
                          "hosts": {"compute-7": {"nova-compute": {"available": true, "active": true, "updated_at": null}}}}]}""")));
        stubs.server.stubFor(get(urlPathEqualTo(stubs.compute("/os-hypervisors/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"hypervisors": [{"id": 1, "hypervisor_hostname": "compute-7.example.org", "state": "up", "status": "enabled",
                          "vcpus": 8, "vcpus_used": 10, "memory_mb": 16384, "memory_mb_used": 4096, "local_gb": 100, "local_gb_used": 10,
                          "free_ram_mb": 12288, "free_disk_gb": 90, "running_vms": 3, "current_workload": 0, "disk_available_least": 90,
                          "host_ip": "192.0.2.7", "hypervisor_type": "QEMU", "hypervisor_version": 4002000,
                          "service": {"host": "compute-7", "id": 6, "disabled_reason": null}, "cpu_info": "{}"}]}""")));
        OpenStackCloud overcommitted = stubs.cloud(stubs.config().withOvercommit(new OpenStackConfig.Overcommit(4.0, 1.5)), java.time.Clock.systemUTC());
        Inventory inventory = overcommitted.require(Inventory.class);

        assertThat(inventory.flavors("RegionOne")).singleElement().satisfies(flavor -> {
            assertThat(flavor.name()).isEqualTo("m1.tiny");
            assertThat(flavor.resources().memoryMiB()).isEqualTo(512);
        });
        // 8 vCPU × 4.0 = 32, 10 used → 22 free; 16384 MiB × 1.5 = 24576, 4096 used → 20480 free.
        assertThat(inventory.hosts("RegionOne")).singleElement().satisfies(host -> {
            assertThat(host.hostId()).isEqualTo("compute-7.example.org");
            assertThat(host.zone()).isEqualTo("az-2");
            assertThat(host.capacity()).isEqualTo(new io.skydeck.connectors.spi.Resources(32, 24576, 0));
            assertThat(host.free()).isEqualTo(new io.skydeck.connectors.spi.Resources(22, 20480, 0));
        });
    }
}
