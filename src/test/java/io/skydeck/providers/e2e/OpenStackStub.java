package io.skydeck.providers.e2e;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/**
 * Keystone v3 and Nova as the API reference shows them (the shapes of the OpenStack connector's
 * tests), on a free port: a token for the right password and project only, a catalog pointing
 * Nova back here, two flavors, one zone with two hypervisors (compute-7 partly used, compute-8 empty). Nova stubs demand the issued token
 * in X-Auth-Token, so a request without it finds no stub.
 */
public class OpenStackStub implements QuarkusTestResourceLifecycleManager {
    static final String USER = "skydeck";
    static final String PASSWORD = "e2e-keystone-password-never-shown";
    static final String PROJECT = "skydeck-project";
    static final String TOKEN = "gAAAAABe2e-token";

    static WireMockServer server;
    static Path passwordFile;

    @Override
    public Map<String, String> start() {
        server = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));
        server.start();
        String base = "http://127.0.0.1:" + server.port();
        server.stubFor(post(urlPathEqualTo("/v3/auth/tokens"))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.name", equalTo(USER)))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.password", equalTo(PASSWORD)))
                .withRequestBody(matchingJsonPath("$.auth.scope.project.name", equalTo(PROJECT)))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
                        .withHeader("X-Subject-Token", TOKEN).withBody(tokenBody(base))));
        offerFlavors(SMALL, MEDIUM);
        server.stubFor(get(urlPathMatching(compute("/os-availability-zone(/detail)?"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"availabilityZoneInfo": [{"zoneName": "az-2", "zoneState": {"available": true},
                          "hosts": {"compute-7": {"nova-compute": {"available": true, "active": true, "updated_at": null}},
                                    "compute-8": {"nova-compute": {"available": true, "active": true, "updated_at": null}}}}]}""")));
        server.stubFor(get(urlPathEqualTo(compute("/os-hypervisors/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"hypervisors": [{"id": 1, "hypervisor_hostname": "compute-7.example.org", "state": "up", "status": "enabled",
                          "vcpus": 8, "vcpus_used": 2, "memory_mb": 16384, "memory_mb_used": 4096, "local_gb": 100, "local_gb_used": 10,
                          "free_ram_mb": 12288, "free_disk_gb": 90, "running_vms": 1, "current_workload": 0, "disk_available_least": 90,
                          "host_ip": "192.0.2.7", "hypervisor_type": "QEMU", "hypervisor_version": 4002000,
                          "service": {"host": "compute-7", "id": 6, "disabled_reason": null}, "cpu_info": "{}"},
                         {"id": 2, "hypervisor_hostname": "compute-8.example.org", "state": "up", "status": "enabled",
                          "vcpus": 8, "vcpus_used": 0, "memory_mb": 16384, "memory_mb_used": 0, "local_gb": 100, "local_gb_used": 0,
                          "free_ram_mb": 16384, "free_disk_gb": 100, "running_vms": 0, "current_workload": 0, "disk_available_least": 100,
                          "host_ip": "192.0.2.8", "hypervisor_type": "QEMU", "hypervisor_version": 4002000,
                          "service": {"host": "compute-8", "id": 7, "disabled_reason": null}, "cpu_info": "{}"}]}""")));
        server.stubFor(get(urlPathEqualTo("/image/v2/images")).withQueryParam("limit", equalTo("1000"))
                .withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"images": [{"id": "70a599e0-31e7-49b7-b260-868f441e862b", "name": "cirros", "status": "active",
                          "visibility": "public", "container_format": "bare", "disk_format": "qcow2", "min_disk": 0, "min_ram": 0,
                          "size": 1024, "protected": false, "tags": [], "created_at": "2024-05-01T10:00:00Z",
                          "updated_at": "2024-05-01T10:00:00Z", "self": "/v2/images/70a599e0-31e7-49b7-b260-868f441e862b",
                          "file": "/v2/images/70a599e0-31e7-49b7-b260-868f441e862b/file", "schema": "/v2/schemas/image"}],
                         "first": "/v2/images?limit=1000", "schema": "/v2/schemas/images"}""")));
        try {
            passwordFile = Files.createTempFile("skydeck-openstack-e2e", ".password");
            Files.writeString(passwordFile, PASSWORD + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String p = "skydeck.providers.openstack.\"openstack-test\".";
        return Map.of(
                p + "identity-url", base + "/v3",
                p + "user", USER,
                p + "password-file", passwordFile.toString(),
                p + "project", PROJECT,
                p + "regions", "RegionOne",
                p + "timeout", "5s",
                p + "flavor-prices.\"m1.small\"", "0.03",
                p + "flavor-prices.\"m1.medium\"", "0.06");
    }

    @Override
    public void stop() {
        server.findAllUnmatchedRequests().forEach(r ->
                System.err.println("OpenStack stub, unmatched: " + r.getMethod() + " " + r.getUrl() + " " + r.getBodyAsString()));
        server.stop();
        try {
            Files.deleteIfExists(passwordFile);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    /** Nova's flavors as GET /flavors/detail lists them. */
    static final String SMALL = """
            {"id": "2", "name": "m1.small", "ram": 2048, "vcpus": 1, "disk": 20, "swap": "",
              "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false, "os-flavor-access:is_public": true,
              "rxtx_factor": 1.0, "links": []}""";
    static final String MEDIUM = """
            {"id": "3", "name": "m1.medium", "ram": 4096, "vcpus": 2, "disk": 40, "swap": "",
              "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": false, "os-flavor-access:is_public": true,
              "rxtx_factor": 1.0, "links": []}""";

    /** Nova lists exactly these flavors from now on (the latest stub wins). */
    static void offerFlavors(String... flavors) {
        server.stubFor(get(urlPathEqualTo(compute("/flavors/detail"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("{\"flavors\": [" + String.join(", ", flavors) + "]}")));
    }

    static String compute(String path) {
        return "/compute/v2.1" + path;
    }

    /**
     * A Nova server as an admin sees it at microversion 2.1: with the extended server attributes
     * naming its compute host and hypervisor (both change when a resize migrates it).
     */
    static String novaServerOn(String id, String name, String status, String token, String flavorId, String computeHost,
                               String hypervisor) {
        String server = novaServer(id, name, status, token).replace("\"flavor\": {\"id\": \"2\"", "\"flavor\": {\"id\": \"" + flavorId + "\"");
        return server.substring(0, server.length() - 1) + """
                , "OS-EXT-SRV-ATTR:host": "%s", "OS-EXT-SRV-ATTR:hypervisor_hostname": "%s",
                 "OS-EXT-SRV-ATTR:instance_name": "instance-0000002a"}""".formatted(computeHost, hypervisor);
    }

    /** A Nova server as GET /servers/{id} shows it at microversion 2.1. */
    static String novaServer(String id, String name, String status, String token) {
        return """
                {"id": "%s", "name": "%s", "status": "%s", "tenant_id": "a6944d763bf64ee6a275f1263fae0352",
                 "user_id": "ee4dfb6e5540447cb3741905149d9b6e", "metadata": {"skydeck-token": "%s"}, "hostId": "",
                 "created": "2024-05-01T10:00:00Z", "updated": "2024-05-01T10:00:05Z", "addresses": {}, "accessIPv4": "",
                 "accessIPv6": "", "progress": 0, "image": {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "links": []},
                 "flavor": {"id": "2", "links": []}, "key_name": null, "config_drive": "",
                 "OS-DCF:diskConfig": "AUTO", "OS-EXT-AZ:availability_zone": "az-2", "OS-EXT-STS:power_state": 1,
                 "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active",
                 "OS-SRV-USG:launched_at": "2024-05-01T10:00:04.000000", "OS-SRV-USG:terminated_at": null,
                 "security_groups": [{"name": "default"}], "os-extended-volumes:volumes_attached": [], "links": []}"""
                .formatted(id, name, status, token);
    }

    private static String tokenBody(String base) {
        String endpoint = """
                {"id": "%s", "interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "%s"}""";
        return """
                {"token": {
                  "methods": ["password"],
                  "user": {"domain": {"id": "default", "name": "Default"}, "id": "ee4dfb6e5540447cb3741905149d9b6e", "name": "%s", "password_expires_at": null},
                  "audit_ids": ["3T2dc1CGQxyJsHdDu1xkcw"],
                  "expires_at": "%s",
                  "issued_at": "%s",
                  "project": {"domain": {"id": "default", "name": "Default"}, "id": "a6944d763bf64ee6a275f1263fae0352", "name": "%s"},
                  "is_domain": false,
                  "roles": [{"id": "51cc68287d524c759f47c811e6463340", "name": "admin"}],
                  "catalog": [
                    {"endpoints": [%s], "id": "s-nova", "type": "compute", "name": "nova"},
                    {"endpoints": [%s], "id": "s-neutron", "type": "network", "name": "neutron"},
                    {"endpoints": [%s], "id": "s-glance", "type": "image", "name": "glance"}
                  ]
                }}""".formatted(USER, Instant.now().plus(Duration.ofHours(12)), Instant.now(), PROJECT,
                endpoint.formatted("e-nova", base + "/compute/v2.1"), endpoint.formatted("e-neutron", base + "/network"),
                endpoint.formatted("e-glance", base + "/image"));
    }
}
