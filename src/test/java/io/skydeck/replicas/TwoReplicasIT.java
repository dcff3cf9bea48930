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
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
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
    private static final String DB_URL = System.getenv("SKYDECK_TEST_DB_URL");
    private static final String DB_USER = System.getenv().getOrDefault("SKYDECK_TEST_DB_USER", "postgres");
    private static final String DB_PASSWORD = System.getenv().getOrDefault("SKYDECK_TEST_DB_PASSWORD", "");
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final Path WORK = Path.of("target/two-replicas");
    private static final int HOST_VCPUS = 16;
    private static final int FLAVOR_VCPUS = 4;
    private static final int ROOM = 40;
    private static final int REQUESTS = 64;
    private static final int GROUP_MEMBERS = 8;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<Process> replicas = new ArrayList<>();
    private static final List<String> urls = new ArrayList<>();

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        assertThat(JAR).as("the packaged service").exists();
        resetSchema();
        Files.createDirectories(WORK);
        Path topology = WORK.resolve("topology-40.json");
        try (var in = TwoReplicasIT.class.getResourceAsStream("/replicas/topology-40.json")) {
            Files.copy(in, topology, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (int i = 1; i <= 2; i++) {
            int port = freePort();
            var command = new ArrayList<>(List.of(java(), "-Xmx512m",
                    "-Dquarkus.http.port=" + port,
                    // One data directory: both replicas sign and verify with the same key pair.
                    "-Dskydeck.data-dir=" + WORK.resolve("data").toAbsolutePath(),
                    "-Dskydeck.sandbox.shared-state=true",
                    "-Dskydeck.sandbox.realistic-latency=false",
                    "-Dskydeck.sandbox.topology-file=" + topology.toAbsolutePath(),
                    "-Dskydeck.placement.sync-interval=PT1S",
                    "-jar", JAR.toAbsolutePath().toString()));
            var builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(WORK.resolve("replica-" + i + ".log").toFile());
            builder.environment().put("SKYDECK_DB_URL", DB_URL);
            builder.environment().put("SKYDECK_DB_USER", DB_USER);
            builder.environment().put("SKYDECK_DB_PASSWORD", DB_PASSWORD);
            replicas.add(builder.start());
            urls.add("http://127.0.0.1:" + port);
        }
        for (String url : urls) {
            awaitReady(url);
        }
    }

    @AfterAll
    static void stopReplicas() throws InterruptedException {
        for (Process p : replicas) {
            p.destroy();
        }
        for (Process p : replicas) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
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
        List<Future<Answer>> answers = new ArrayList<>();
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
        for (Future<Answer> f : answers) {
            Answer a = f.get(120, TimeUnit.SECONDS);
            byStatus.merge(a.status, 1, Integer::sum);
            if (a.status == 202) {
                operations.add(a.body.get("operation").get("id").asText());
            } else {
                assertThat(a.status).as("a refusal: " + a.body).isIn(409, 422);
                assertThat(a.contentType).startsWith("application/problem+json");
                assertThat(a.body.get("detail").asText()).isNotBlank();
            }
        }
        pool.shutdown();

        for (String operation : operations) {
            assertThat(awaitEnd(bearer, operation)).as("operation " + operation).isEqualTo("SUCCEEDED");
        }
        System.out.printf("TwoReplicasIT: %d creates over two replicas answered %s%n", REQUESTS, byStatus);
        assertThat(byStatus.get(202)).as("answers by status: " + byStatus).isEqualTo(ROOM);

        // The cloud's own view: what the shared sandbox holds, read straight from its table.
        JsonNode cloud = JSON.readTree(query("SELECT state FROM sandbox_cloud WHERE name = 'sandbox'").getBytes(1));
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

    private record Answer(int status, String contentType, JsonNode body) {
        JsonNode expect(int expected) {
            assertThat(status).as("answer " + body).isEqualTo(expected);
            return body;
        }
    }

    private static Answer send(String url, String method, String path, String bearer, String idempotencyKey, String body)
            throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + bearer)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        if (response.statusCode() >= 500) {
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), json);
    }

    private static String awaitEnd(String bearer, String operation) throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            String state = send(urls.get(0), "GET", "/v1/operations/" + operation, bearer, null, null).body.get("state").asText();
            if (!state.equals("PENDING") && !state.equals("RUNNING")) {
                return state;
            }
            Thread.sleep(200);
        }
        return "STILL RUNNING after 60 s";
    }

    private static String token(String... args) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of(java(), "-jar", JAR.toAbsolutePath().toString(), "token",
                "--data-dir", WORK.resolve("data").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("token " + String.join(" ", args)).isZero();
        return out.lines().reduce((first, last) -> last).orElseThrow();
    }

    private static void awaitReady(String url) throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline)) {
            for (Process p : replicas) {
                assertThat(p.isAlive()).as("a replica died during start-up; see " + WORK + "/replica-*.log").isTrue();
            }
            try {
                var response = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(500);
        }
        throw new AssertionError(url + " was not ready within 120 s; see " + WORK + "/replica-*.log");
    }

    private static void resetSchema() throws SQLException {
        try (Connection c = connect()) {
            c.createStatement().execute("DROP SCHEMA public CASCADE");
            c.createStatement().execute("CREATE SCHEMA public");
        }
    }

    private static ResultSet query(String sql) throws SQLException {
        ResultSet rows = connect().createStatement().executeQuery(sql);
        assertThat(rows.next()).as(sql).isTrue();
        return rows;
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(DB_URL, DB_USER, DB_PASSWORD);
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
