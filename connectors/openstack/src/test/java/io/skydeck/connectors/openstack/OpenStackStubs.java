package io.skydeck.connectors.openstack;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

/**
 * A WireMock server that speaks Keystone v3 as the Identity API reference shows it: the token
 * in the X-Subject-Token header, the catalog in the body pointing Nova ("/compute/v2.1") and
 * Neutron ("/network") back at this server. Tests add Nova and Neutron stubs that match the
 * X-Auth-Token header, so a request without the token, or with a stale one, finds no stub.
 */
final class OpenStackStubs implements AutoCloseable {
    static final String USER = "skydeck";
    static final String PASSWORD = "s3cret-not-for-logs";
    static final String PROJECT = "skydeck-project";
    static final String TOKEN = "gAAAAABtoken-one";
    static final String REGION = "RegionOne";

    final WireMockServer server = new WireMockServer(WireMockConfiguration.options().dynamicPort().bindAddress("127.0.0.1"));

    OpenStackStubs() {
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port();
    }

    /**
     * Short, so a test of a silent provider ends quickly; not so short that a loaded machine's first
     * request to a cold WireMock (class loading, JIT) is taken for one (800 ms was, under load 10).
     */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

    String compute(String path) {
        return "/compute/v2.1" + path;
    }

    String network(String path) {
        return "/network/v2.0" + path;
    }

    /** Octavia's API under the catalog's "/load-balancer"; OpenStack4j appends the "/v2.0" Octavia also serves as "/v2". */
    String loadBalancer(String path) {
        return "/load-balancer/v2.0" + path;
    }

    private boolean octavia;

    /** The catalog of the next token lists Octavia ("load-balancer") in RegionOne. */
    OpenStackStubs withOctavia() {
        this.octavia = true;
        return this;
    }

    OpenStackConfig config() {
        return OpenStackConfig.of("openstack-test", baseUrl() + "/v3", USER,
                        OpenStackConfig.PasswordSource.fromEnv("OS_TEST_PASSWORD"), PROJECT, REGION)
                .withTimeouts(new OpenStackConfig.Timeouts(Duration.ofSeconds(2), READ_TIMEOUT));
    }

    /** A connector whose password comes from a fake environment, so no real variable is needed. */
    OpenStackCloud cloud(OpenStackConfig config, Clock clock) {
        return new OpenStackCloud(config, clock, () -> config.resolvePassword(Map.of("OS_TEST_PASSWORD", PASSWORD)));
    }

    OpenStackCloud cloud() {
        return cloud(config(), Clock.systemUTC());
    }

    /** Keystone answers the right password for the right project with {@code token}, valid until {@code expiresAt}. */
    MappingBuilder keystoneIssues(String token, Instant expiresAt) {
        return keystoneIssues(token, expiresAt, PASSWORD);
    }

    /** Keystone accepting {@code password} (and only it, for this stub) with {@code token}. */
    MappingBuilder keystoneIssues(String token, Instant expiresAt, String password) {
        return post(urlPathEqualTo("/v3/auth/tokens"))
                .withRequestBody(matchingJsonPath("$.auth.identity.methods[0]", equalTo("password")))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.name", equalTo(USER)))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.password", equalTo(password)))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.domain.name", equalTo("Default")))
                .withRequestBody(matchingJsonPath("$.auth.scope.project.name", equalTo(PROJECT)))
                .withRequestBody(matchingJsonPath("$.auth.scope.project.domain.name", equalTo("Default")))
                .willReturn(aResponse().withStatus(201)
                        .withHeader("Content-Type", "application/json")
                        .withHeader("X-Subject-Token", token)
                        .withBody(tokenBody(expiresAt)));
    }

    void stubKeystone() {
        server.stubFor(keystoneIssues(TOKEN, Instant.now().plus(Duration.ofHours(1))));
    }

    /** Keystone refusing a password, as the Identity API reference shows a 401. */
    MappingBuilder keystoneRefuses(String password) {
        return post(urlPathEqualTo("/v3/auth/tokens"))
                .withRequestBody(matchingJsonPath("$.auth.identity.password.user.password", equalTo(password)))
                .willReturn(unauthorized());
    }

    static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder unauthorized() {
        return aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                .withBody("{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": \"The request you have made requires authentication.\"}}");
    }

    private String tokenBody(Instant expiresAt) {
        String endpoint = """
                {"id": "%s", "interface": "public", "region_id": "RegionOne", "region": "RegionOne", "url": "%s"}""";
        String compute = endpoint.formatted("e-nova", baseUrl() + "/compute/v2.1");
        String network = endpoint.formatted("e-neutron", baseUrl() + "/network");
        String loadBalancer = octavia ? """
                ,
                    {"endpoints": [%s], "id": "s-octavia", "type": "load-balancer", "name": "octavia"}"""
                .formatted(endpoint.formatted("e-octavia", baseUrl() + "/load-balancer")) : "";
        return """
                {"token": {
                  "methods": ["password"],
                  "user": {"domain": {"id": "default", "name": "Default"}, "id": "ee4dfb6e5540447cb3741905149d9b6e", "name": "%s", "password_expires_at": null},
                  "audit_ids": ["3T2dc1CGQxyJsHdDu1xkcw"],
                  "expires_at": "%s",
                  "issued_at": "%s",
                  "project": {"domain": {"id": "default", "name": "Default"}, "id": "a6944d763bf64ee6a275f1263fae0352", "name": "%s"},
                  "is_domain": false,
                  "roles": [{"id": "51cc68287d524c759f47c811e6463340", "name": "member"}],
                  "catalog": [
                    {"endpoints": [%s], "id": "s-nova", "type": "compute", "name": "nova"},
                    {"endpoints": [%s], "id": "s-neutron", "type": "network", "name": "neutron"}%s
                  ]
                }}""".formatted(USER, expiresAt, Instant.now(), PROJECT, compute, network, loadBalancer);
    }

    /** A Nova server as GET /servers/{id} shows it at microversion 2.1. */
    static String novaServer(String id, String name, String status, String flavorId, Map<String, String> metadata) {
        StringBuilder meta = new StringBuilder();
        metadata.forEach((key, value) -> meta.append(meta.length() == 0 ? "" : ", ").append('"').append(key).append("\": \"").append(value).append('"'));
        return """
                {"id": "%s", "name": "%s", "status": "%s", "tenant_id": "a6944d763bf64ee6a275f1263fae0352",
                 "user_id": "ee4dfb6e5540447cb3741905149d9b6e", "metadata": {%s}, "hostId": "", "created": "2024-05-01T10:00:00Z",
                 "updated": "2024-05-01T10:00:05Z", "addresses": {}, "accessIPv4": "", "accessIPv6": "", "progress": 0,
                 "image": {"id": "70a599e0-31e7-49b7-b260-868f441e862b", "links": []},
                 "flavor": {"id": "%s", "links": []}, "key_name": null, "config_drive": "",
                 "OS-DCF:diskConfig": "AUTO", "OS-EXT-AZ:availability_zone": "nova", "OS-EXT-STS:power_state": 1,
                 "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active",
                 "OS-SRV-USG:launched_at": "2024-05-01T10:00:04.000000", "OS-SRV-USG:terminated_at": null,
                 "security_groups": [{"name": "default"}], "os-extended-volumes:volumes_attached": [], "links": []}"""
                .formatted(id, name, status, meta, flavorId);
    }

    /**
     * The same server as an admin sees it: with the extended server attributes naming the compute
     * host and the hypervisor it runs on (both change when a resize migrates it).
     */
    static String novaServerOn(String id, String name, String status, String flavorId, String computeHost, String hypervisor) {
        String server = novaServer(id, name, status, flavorId, Map.of());
        return server.substring(0, server.length() - 1) + """
                , "OS-EXT-SRV-ATTR:host": "%s", "OS-EXT-SRV-ATTR:hypervisor_hostname": "%s",
                 "OS-EXT-SRV-ATTR:instance_name": "instance-0000002a"}""".formatted(computeHost, hypervisor);
    }

    static String list(String key, List<String> items) {
        return "{\"" + key + "\": [" + String.join(", ", items) + "]}";
    }

    @Override
    public void close() {
        // A stub that did not match is the usual cause of a failure here: show what was really sent.
        server.findAllUnmatchedRequests().forEach(request ->
                System.err.println("unmatched: " + request.getMethod() + " " + request.getUrl() + " " + request.getBodyAsString()));
        server.stop();
    }
}
