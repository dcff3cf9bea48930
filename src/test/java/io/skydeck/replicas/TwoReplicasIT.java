package io.skydeck.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.skydeck.replicas.ServiceReplicas.connect;
import static io.skydeck.replicas.ServiceReplicas.query;
import static io.skydeck.replicas.ServiceReplicas.send;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two service JVMs (the packaged jar) on one PostgreSQL and one shared sandbox — two replicas
 * behind a load balancer — take 64 concurrent server creates, half each, onto a cloud with room
 * for exactly 40. Checked against the cloud's own state and the database, not the service's
 * answers alone: exactly 40 are built, no host holds more than its vCPUs, the anti-affinity
 * group never shares a host, and the tenant's quota counters equal what lives.
 *
 * <p>Runs in {@code ./mvnw verify} after packaging (failsafe), on the database named by
 * {@code SKYDECK_TEST_DB_URL}, whose schema it resets first.
 */
@EnabledIfEnvironmentVariable(named = "SKYDECK_TEST_DB_URL", matches = ".+")
class TwoReplicasIT {
    private static final Path WORK = Path.of("target/two-replicas");
    private static final int HOST_VCPUS = 16;
    private static final int FLAVOR_VCPUS = 4;
    private static final int ROOM = 40;
    private static final int REQUESTS = 64;
    private static final int GROUP_MEMBERS = 8;

    private static final ObjectMapper JSON = ServiceReplicas.JSON;
    private static ServiceReplicas replicas;
    private static final List<String> urls = new ArrayList<>();

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        ServiceReplicas.resetSchema();
        Files.createDirectories(WORK);
        Path topology = WORK.resolve("topology-40.json");
        try (var in = TwoReplicasIT.class.getResourceAsStream("/replicas/topology-40.json")) {
            Files.copy(in, topology, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        replicas = new ServiceReplicas(WORK, 2, List.of(
                "-Dskydeck.sandbox.realistic-latency=false",
                "-Dskydeck.sandbox.topology-file=" + topology.toAbsolutePath(),
                "-Dskydeck.placement.sync-interval=PT1S"));
        for (int i = 0; i < 2; i++) {
            replicas.start(i);
            urls.add(replicas.url(i));
        }
        replicas.awaitReady();
    }

    @AfterAll
    static void stopReplicas() throws InterruptedException {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void sixtyFourCreatesOntoRoomForFortyLeaveFortyAndNothingOverCommitted() throws Exception {
        String admin = token("--role", "admin");
        JsonNode tenant = send(urls.get(0), "POST", "/v1/tenants", admin, "tenant-two-replicas",
                "{\"name\":\"replicas\",\"displayName\":\"Replicas\",\"quota\":{\"vcpu\":1000,\"memoryGib\":4000,"
                        + "\"servers\":100,\"workloads\":4,\"publicIps\":2,\"networks\":1}}").expect(201);
        String tenantId = tenant.get("id").asText();
        String bearer = token("--role", "tenant", "--tenant", tenantId);
        String projectId = send(urls.get(1), "POST", "/v1/tenants/" + tenantId + "/projects", bearer, null,
                "{\"name\":\"load\"}").expect(201).get("id").asText();

        // Every server goes into one network: 32 creates on each replica take their addresses from the IPAM at once.
        JsonNode network = send(urls.get(0), "POST", "/v1/networks", bearer, "network-two-replicas",
                "{\"projectId\":\"" + projectId + "\",\"name\":\"shared\",\"cidr\":\"10.40.0.0/16\"}").expect(202);
        String networkId = network.get("resource").get("id").asText();
        long subnetsDeadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            JsonNode subnets = send(urls.get(1), "GET", "/v1/networks/" + networkId, bearer, null, null).expect(200).get("subnets");
            boolean ready = subnets.size() == 2;
            for (JsonNode s : subnets) {
                ready &= "AVAILABLE".equals(s.get("status").asText());
            }
            if (ready) {
                break;
            }
            assertThat(System.nanoTime()).as("the network's subnets are available within 60 s").isLessThan(subnetsDeadline);
            Thread.sleep(100);
        }

        ExecutorService pool = Executors.newFixedThreadPool(REQUESTS);
        var start = new CountDownLatch(1);
        List<Future<ServiceReplicas.Answer>> answers = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String url = urls.get(i % 2);
            String hints = i < GROUP_MEMBERS ? ",\"hints\":{\"antiAffinityGroup\":\"ha\"}" : "";
            String body = "{\"projectId\":\"" + projectId + "\",\"name\":\"s-" + i + "\",\"flavor\":\"m1.large\","
                    + "\"image\":\"debian-12\",\"networkId\":\"" + networkId + "\"" + hints + "}";
            String key = "create-s-" + i;
            answers.add(pool.submit(() -> {
                start.await();
                return send(url, "POST", "/v1/servers", bearer, key, body);
            }));
        }
        start.countDown();
        List<String> operations = new ArrayList<>();
        Map<Integer, Integer> byStatus = new HashMap<>();
        for (Future<ServiceReplicas.Answer> f : answers) {
            ServiceReplicas.Answer a = f.get(120, TimeUnit.SECONDS);
            byStatus.merge(a.status(), 1, Integer::sum);
            if (a.status() == 202) {
                operations.add(a.body().get("operation").get("id").asText());
            } else {
                assertThat(a.status()).as("a refusal: " + a.body()).isIn(409, 422);
                assertThat(a.contentType()).startsWith("application/problem+json");
                assertThat(a.body().get("detail").asText()).isNotBlank();
            }
        }
        pool.shutdown();

        for (String operation : operations) {
            assertThat(awaitEnd(bearer, operation)).as("operation " + operation).isEqualTo("SUCCEEDED");
        }
        System.out.printf("TwoReplicasIT: %d creates over two replicas answered %s%n", REQUESTS, byStatus);
        assertThat(byStatus.get(202)).as("answers by status: " + byStatus).isEqualTo(ROOM);

        // The cloud's own view: what the shared sandbox holds, read straight from its table.
        JsonNode cloud = ServiceReplicas.sandboxState();
        Map<String, Integer> vcpusByHost = new HashMap<>();
        Map<String, String> hostByProviderId = new HashMap<>();
        cloud.get("servers").fields().forEachRemaining(e -> {
            String host = e.getValue().get("host").asText();
            vcpusByHost.merge(host, FLAVOR_VCPUS, Integer::sum);
            hostByProviderId.put(e.getKey(), host);
        });
        assertThat(hostByProviderId).as("servers the cloud holds").hasSize(ROOM);
        assertThat(vcpusByHost.values()).as("vCPUs per host " + vcpusByHost).allMatch(v -> v <= HOST_VCPUS);

        // Skydeck's records: each live server maps to a cloud server; the group never shares a host.
        Set<String> groupHosts = new HashSet<>();
        int groupMembers = 0;
        int live = 0;
        try (Connection c = connect(); ResultSet rows = c.createStatement().executeQuery(
                "SELECT provider_server_id, anti_affinity_group FROM server WHERE status = 'ACTIVE'")) {
            while (rows.next()) {
                live++;
                String host = hostByProviderId.get(rows.getString(1));
                assertThat(host).as("server " + rows.getString(1) + " exists in the cloud").isNotNull();
                if ("ha".equals(rows.getString(2))) {
                    groupMembers++;
                    assertThat(groupHosts.add(host)).as("anti-affinity member on " + host + " alone").isTrue();
                }
            }
        }
        assertThat(live).isEqualTo(ROOM);
        assertThat(groupMembers).as("anti-affinity members placed").isPositive();

        // The IPAM's view: forty live servers, forty different addresses, each in its zone's subnet, one row each.
        Set<String> addresses = new HashSet<>();
        try (Connection c = connect(); ResultSet rows = c.createStatement().executeQuery("""
                SELECT s.private_address, n.cidr FROM server s JOIN subnet n ON n.id = s.subnet_id
                WHERE s.status = 'ACTIVE' AND s.network_id = '%s'""".formatted(networkId))) {
            while (rows.next()) {
                assertThat(addresses.add(rows.getString(1))).as("address " + rows.getString(1) + " given once").isTrue();
                assertThat(Cidr.parse(rows.getString(2)).contains(IpAddress.parse(rows.getString(1))))
                        .as(rows.getString(1) + " in its subnet " + rows.getString(2)).isTrue();
            }
        }
        assertThat(addresses).hasSize(ROOM);
        try (ResultSet held = query("SELECT count(*) FROM ipam_address WHERE released_at IS NULL AND owner_type = 'server'")) {
            assertThat(held.getInt(1)).as("addresses held: those of live servers, none for the refused creates").isEqualTo(ROOM);
        }

        JsonNode used = send(urls.get(0), "GET", "/v1/tenants/" + tenantId + "/quota", bearer, null, null).expect(200).get("used");
        assertThat(used.get("servers").asInt()).isEqualTo(ROOM);
        assertThat(used.get("vcpu").asInt()).isEqualTo(ROOM * FLAVOR_VCPUS);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static String awaitEnd(String bearer, String operation) throws Exception {
        return ServiceReplicas.awaitOperation(urls.get(0), bearer, operation, 60);
    }

    private static String token(String... args) throws IOException, InterruptedException {
        return replicas.token(args);
    }
}
