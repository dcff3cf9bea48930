package io.skydeck.providers;

import com.fasterxml.jackson.databind.JsonNode;
import io.skydeck.support.PackagedService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.compute.Flavor;
import org.openstack4j.openstack.OSFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged service against the real OpenStack peer (Keystone, Nova with the fake driver, one
 * hypervisor), as an operator runs it: one OpenStack provider "osp" in the peer's admin project,
 * its password in a secret file, no sandbox. Skipped, with the reason, unless
 * {@code SKYDECK_OPENSTACK_PEER_URL} (the peer's Keystone; {@code .ci/run} sets it) and
 * {@code SKYDECK_TEST_DB_URL} are set. Each test resets the database's schema and deletes what it
 * made in the peer; Keystone is not changed (the wrong password is only in Skydeck's secret file).
 */
@Tag("openstack-peer")
class OpenStackPeerIT {
    private static final String PEER_URL = System.getenv("SKYDECK_OPENSTACK_PEER_URL");
    private static final String REGION = env("SKYDECK_OPENSTACK_PEER_REGION", "RegionOne");
    private static final String ADMIN_PASSWORD = env("SKYDECK_OPENSTACK_PEER_ADMIN_PASSWORD", "admin-secret");
    private static final Path WORK = Path.of("target/openstack-peer-it");
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private final Path secret = WORK.resolve("osp.secret");

    @BeforeEach
    void requirePeerAndDatabase() throws Exception {
        assumeTrue(PEER_URL != null && !PEER_URL.isBlank(), "SKYDECK_OPENSTACK_PEER_URL is not set: start the peer with"
                + " .ci/openstack-peer.sh up and export it (see connectors/openstack/README.md)");
        assumeTrue(PackagedService.Database.named(), "SKYDECK_TEST_DB_URL is not set: the service needs a PostgreSQL");
        PackagedService.Database.resetSchema();
        Files.createDirectories(WORK);
        Files.writeString(secret, ADMIN_PASSWORD + "\n");
    }

    /**
     * Issue 13 item 4 on the peer: Skydeck has ACTIVE servers there and is restarted with a wrong
     * password in its secret file. It starts; the provider shows as unavailable for authentication,
     * health is DEGRADED (the service stays ready); a refresh answers the problem; the servers stay
     * held where they were. Once the file holds the right password again, a refresh reads the
     * inventory — no restart.
     */
    @Test
    void aWrongPasswordAtStartUpWithServersPresentLeavesTheServiceUpAndTheServersHeld() throws Exception {
        List<String> serverIds = new ArrayList<>();
        String admin;
        String tenantToken;
        try (PackagedService first = PackagedService.start(WORK, "startup-1", serviceSettings())) {
            admin = PackagedService.token(WORK, "--role", "admin");
            String tenantId = first.send("POST", "/v1/tenants", admin, """
                    {"name": "%s", "quota": {"vcpu": 8, "memoryGib": 8, "servers": 4, "workloads": 0, "publicIps": 0}}"""
                    .formatted("peer-startup-" + suffix())).expect(201).get("id").asText();
            tenantToken = PackagedService.token(WORK, "--role", "tenant", "--tenant", tenantId);
            String projectId = first.send("POST", "/v1/tenants/" + tenantId + "/projects", tenantToken, "{\"name\": \"apps\"}")
                    .expect(201).get("id").asText();
            for (int i = 1; i <= 2; i++) {
                JsonNode accepted = first.send("POST", "/v1/servers", tenantToken, """
                        {"projectId": "%s", "name": "skydeck-it-held-%d", "flavor": "m1.nano", "image": "tiny-raw"}"""
                        .formatted(projectId, i)).expect(202);
                serverIds.add(accepted.at("/resource/id").asText());
                assertThat(first.awaitOperation(tenantToken, accepted.at("/operation/id").asText(), PATIENCE).path("state").asText())
                        .as("create of server " + i).isEqualTo("SUCCEEDED");
            }
        }
        try {
            Files.writeString(secret, "not-" + ADMIN_PASSWORD + "\n");
            try (PackagedService restarted = PackagedService.start(WORK, "startup-2", serviceSettings())) {
                JsonNode provider = restarted.send("GET", "/v1/providers/osp", admin, null).expect(200);
                assertThat(provider.at("/inventory/state").asText()).isEqualTo("unreadable");
                assertThat(provider.at("/inventory/problemType").asText()).isEqualTo("urn:skydeck:problem:provider-authentication-failed");
                assertThat(provider.at("/inventory/serversHeldOnHosts").asInt()).isEqualTo(1);
                assertThat(provider.at("/health/state").asText()).isEqualTo("DOWN");
                assertThat(provider.at("/health/detail").asText()).startsWith("authentication failed").doesNotContain("cannot reach");
                JsonNode listed = restarted.send("GET", "/v1/providers", admin, null).expect(200);
                assertThat(listed.get("items")).anySatisfy(p -> assertThat(p.get("name").asText()).isEqualTo("osp"));

                JsonNode health = restarted.send("GET", "/q/health/ready", null, null).expect(200);
                assertThat(health.get("status").asText()).isEqualTo("UP");
                assertThat(check(health, "providers").at("/data/state").asText()).isEqualTo("DEGRADED");

                PackagedService.Answer refresh = restarted.send("POST", "/v1/capacity/refresh", admin, null);
                assertThat(refresh.status()).as("refresh: " + refresh.body()).isEqualTo(502);
                assertThat(refresh.contentType()).startsWith("application/problem+json");
                assertThat(refresh.body().get("type").asText()).isEqualTo("urn:skydeck:problem:provider-authentication-failed");

                // Held where they were last seen: the zone is exactly as big as the two servers, and full.
                JsonNode zone = onlyZone(restarted.send("GET", "/v1/capacity?provider=osp", admin, null).expect(200));
                assertThat(zone.at("/capacity/vcpu").asInt()).isEqualTo(2);
                assertThat(zone.at("/free/vcpu").asInt()).isZero();
                assertThat(zone.get("hostsInUse").asInt()).isEqualTo(1);
                for (String id : serverIds) {
                    assertThat(restarted.send("GET", "/v1/servers/" + id, tenantToken, null).expect(200).get("status").asText())
                            .isEqualTo("ACTIVE");
                }

                // The secret file is corrected: the next refresh authenticates with it, no restart.
                Files.writeString(secret, ADMIN_PASSWORD + "\n");
                restarted.send("POST", "/v1/capacity/refresh", admin, null).expect(200);
                provider = restarted.send("GET", "/v1/providers/osp", admin, null).expect(200);
                assertThat(provider.at("/inventory/state").asText()).isEqualTo("read");
                assertThat(provider.at("/health/state").asText()).isEqualTo("UP");
                health = restarted.send("GET", "/q/health/ready", null, null).expect(200);
                assertThat(check(health, "providers").at("/data/state").asText()).isEqualTo("UP");
                JsonNode read = onlyZone(restarted.send("GET", "/v1/capacity?provider=osp", admin, null).expect(200));
                assertThat(read.at("/capacity/vcpu").asInt()).as("the fake hypervisor's vCPUs").isGreaterThan(2);

                for (String id : serverIds) {
                    JsonNode deleting = restarted.send("DELETE", "/v1/servers/" + id, tenantToken, null).expect(202);
                    assertThat(restarted.awaitOperation(tenantToken, deleting.at("/operation/id").asText(), PATIENCE)
                            .path("state").asText()).as("delete of " + id).isEqualTo("SUCCEEDED");
                }
                serverIds.clear();
                assertThat(restarted.logText()).doesNotContain("unknown host").doesNotContain("could not advance");
            }
        } finally {
            Files.writeString(secret, ADMIN_PASSWORD + "\n");
            deleteLeftovers(serverIds);
        }
    }

    /**
     * Issue 13 items 1 and 5 on the peer: both flavors of a resize (the server's own and the one
     * ordered) are deleted in Nova right after the resize is accepted. The operation ends as Nova
     * ends it — on this single hypervisor Nova refuses every resize (no allow_resize_to_same_host),
     * so it fails as refused; elsewhere it would succeed with the ordered size — never "could not
     * advance"; the server keeps its recorded resources and stays held in capacity through refreshes.
     */
    @Test
    void aFlavorDeletedDuringAResizeLetsTheResizeEndAndTheServerStayHeld() throws Exception {
        OSClient.OSClientV3 nova = adminClient();
        String name = "skydeck-it-" + suffix();
        Flavor small = nova.compute().flavors().create(Builders.flavor().name(name + "-a").vcpus(1).ram(64).disk(1).build());
        Flavor large = nova.compute().flavors().create(Builders.flavor().name(name + "-b").vcpus(2).ram(128).disk(1).build());
        List<String> serverIds = new ArrayList<>();
        try (PackagedService service = PackagedService.start(WORK, "flavor-deleted", serviceSettings())) {
            String admin = PackagedService.token(WORK, "--role", "admin");
            String tenantId = service.send("POST", "/v1/tenants", admin, """
                    {"name": "%s", "quota": {"vcpu": 8, "memoryGib": 8, "servers": 4, "workloads": 0, "publicIps": 0}}"""
                    .formatted("peer-flavor-" + suffix())).expect(201).get("id").asText();
            String tenantToken = PackagedService.token(WORK, "--role", "tenant", "--tenant", tenantId);
            String projectId = service.send("POST", "/v1/tenants/" + tenantId + "/projects", tenantToken, "{\"name\": \"apps\"}")
                    .expect(201).get("id").asText();
            JsonNode accepted = service.send("POST", "/v1/servers", tenantToken, """
                    {"projectId": "%s", "name": "%s", "flavor": "%s", "image": "tiny-raw"}"""
                    .formatted(projectId, name, small.getName())).expect(202);
            String serverId = accepted.at("/resource/id").asText();
            serverIds.add(serverId);
            assertThat(service.awaitOperation(tenantToken, accepted.at("/operation/id").asText(), PATIENCE).path("state").asText())
                    .isEqualTo("SUCCEEDED");

            JsonNode resize = service.send("POST", "/v1/servers/" + serverId + "/actions", tenantToken, """
                    {"action": "resize", "flavor": "%s"}""".formatted(large.getName())).expect(202);
            String operationId = resize.at("/operation/id").asText();
            // Deleted once Nova has the resize (the operation RUNNING), not before: during it.
            String stateAtDeletion = awaitSubmitted(service, tenantToken, operationId);
            nova.compute().flavors().delete(large.getId());
            nova.compute().flavors().delete(small.getId());
            JsonNode ended = service.awaitOperation(tenantToken, operationId, PATIENCE);
            System.out.printf("OpenStackPeerIT: flavors deleted while the resize was %s%n", stateAtDeletion);

            String state = ended.path("state").asText();
            System.out.printf("OpenStackPeerIT: the resize with both flavors deleted ended %s %s%n", state, ended.path("error"));
            assertThat(state).as("the resize ended: " + ended).isIn("SUCCEEDED", "FAILED");
            JsonNode server = service.send("GET", "/v1/servers/" + serverId, tenantToken, null).expect(200);
            assertThat(server.get("status").asText()).isEqualTo("ACTIVE");
            if (state.equals("SUCCEEDED")) {
                assertThat(server.get("flavor").asText()).isEqualTo(large.getId());
                assertThat(server.get("vcpu").asInt()).isEqualTo(2);
            } else {
                assertThat(ended.at("/error/type").asText()).as("Nova's refusal, not an internal error")
                        .isIn("urn:skydeck:problem:resize-refused", "urn:skydeck:problem:provider-rejected",
                                "urn:skydeck:problem:provider-resource-not-found");
                assertThat(server.get("flavor").asText()).isEqualTo(small.getId());
                assertThat(server.get("vcpu").asInt()).isEqualTo(1);
            }
            int held = server.get("vcpu").asInt();
            JsonNode quota = service.send("GET", "/v1/tenants/" + tenantId + "/quota", tenantToken, null).expect(200);
            assertThat(quota.at("/used/vcpu").asInt()).as("the growth's quota is settled").isEqualTo(held);

            // Still held with its flavor gone from Nova: what Skydeck leaves free on the hypervisor is
            // what Nova says is free (were it not held, Skydeck would offer its vCPUs once more).
            for (int refresh = 0; refresh < 2; refresh++) {
                JsonNode zone = onlyZone(service.send("POST", "/v1/capacity/refresh", admin, null).expect(200));
                assertThat(zone.at("/free/vcpu").asInt()).as("free vCPUs after refresh " + (refresh + 1))
                        .isEqualTo(novaFreeVcpus(nova));
            }
            assertThat(service.logText()).doesNotContain("NoSuchElementException").doesNotContain("could not advance")
                    .doesNotContain("its capacity is not held");

            JsonNode deleting = service.send("DELETE", "/v1/servers/" + serverId, tenantToken, null).expect(202);
            assertThat(service.awaitOperation(tenantToken, deleting.at("/operation/id").asText(), PATIENCE).path("state").asText())
                    .isEqualTo("SUCCEEDED");
            serverIds.clear();
        } finally {
            deleteLeftovers(serverIds);
            for (Flavor f : List.of(small, large)) {
                if (nova.compute().flavors().get(f.getId()) != null) {
                    nova.compute().flavors().delete(f.getId());
                }
            }
        }
    }

    /** Waits (at most 30 s) until the operation has left PENDING, i.e. its request reached the provider; the state then. */
    private static String awaitSubmitted(PackagedService service, String token, String operationId) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        String state = "PENDING";
        while (state.equals("PENDING") && System.nanoTime() < deadline) {
            Thread.sleep(50);
            state = service.send("GET", "/v1/operations/" + operationId, token, null).expect(200).path("state").asText();
        }
        return state;
    }

    private Map<String, String> serviceSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("skydeck.sandbox.enabled", "false");
        settings.put("skydeck.drift.interval", "off");
        String p = "skydeck.providers.openstack.osp.";
        settings.put(p + "identity-url", PEER_URL);
        settings.put(p + "user", "admin");
        settings.put(p + "password-file", secret.toAbsolutePath().toString());
        settings.put(p + "project", "admin");
        settings.put(p + "regions", REGION);
        settings.put(p + "vcpu-hour-price", "0.01");
        return settings;
    }

    /** Nova's own count: the hypervisors' vCPUs less those in use (the peer's allocation ratio is 1). */
    private static int novaFreeVcpus(OSClient.OSClientV3 nova) {
        return nova.compute().hypervisors().list().stream().mapToInt(h -> h.getVirtualCPU() - h.getVirtualUsedCPU()).sum();
    }

    private static JsonNode onlyZone(JsonNode page) {
        assertThat(page.get("items")).as("zones of osp: " + page).hasSize(1);
        return page.get("items").get(0);
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode c : health.get("checks")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no health check " + name + " in " + health);
    }

    /** Servers a failed test left in the peer, found by the metadata Skydeck writes on them. */
    private void deleteLeftovers(List<String> skydeckIds) {
        if (skydeckIds.isEmpty()) {
            return;
        }
        OSClient.OSClientV3 nova = adminClient();
        nova.compute().servers().list().stream()
                .filter(s -> s.getMetadata() != null && skydeckIds.contains(s.getMetadata().get("skydeck-server")))
                .forEach(s -> nova.compute().servers().delete(s.getId()));
    }

    private static OSClient.OSClientV3 adminClient() {
        Identifier domain = Identifier.byName("Default");
        return OSFactory.builderV3().endpoint(PEER_URL).credentials("admin", ADMIN_PASSWORD, domain)
                .scopeToProject(Identifier.byName("admin"), domain).authenticate();
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
