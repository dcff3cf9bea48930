package io.skydeck.replicas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replicas of the packaged service for the {@code *IT} tests: the jar started as separate JVMs on
 * the test database ({@code SKYDECK_TEST_DB_URL}, whose schema {@link #resetSchema} empties) and
 * one shared sandbox kept in it, one data directory (so every replica signs and verifies with the
 * same key pair), each replica on a fixed port so that one killed with SIGKILL comes back where
 * clients expect it. Also the calls the tests make of them: real JWTs from the jar's
 * {@code token} command, JSON over HTTP, SQL on the database the replicas share.
 */
final class ServiceReplicas implements AutoCloseable {

    static final String DB_URL = System.getenv("SKYDECK_TEST_DB_URL");
    static final String DB_USER = System.getenv().getOrDefault("SKYDECK_TEST_DB_USER", "postgres");
    static final String DB_PASSWORD = System.getenv().getOrDefault("SKYDECK_TEST_DB_PASSWORD", "");
    static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    static final ObjectMapper JSON = new ObjectMapper();

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** An answer: its status, content type and JSON body (a JSON null when it had none). */
    record Answer(int status, String contentType, JsonNode body) {
        JsonNode expect(int expected) {
            assertThat(status).as("answer " + body).isEqualTo(expected);
            return body;
        }
    }

    /** The work directories of every replica set this JVM started: where a 500's log lines are looked up. */
    private static final List<Path> WORK_DIRECTORIES = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final Path work;
    private final List<String> arguments;
    private final List<Integer> ports = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Integer> runs = new ArrayList<>();

    /**
     * {@code count} replicas (not started yet) working in {@code work}, each JVM given
     * {@code arguments} (system properties) besides its port, the shared data directory and the
     * shared sandbox.
     */
    ServiceReplicas(Path work, int count, List<String> arguments) throws IOException {
        assertThat(JAR).as("the packaged service").exists();
        Files.createDirectories(work);
        this.work = work;
        this.arguments = List.copyOf(arguments);
        WORK_DIRECTORIES.add(work);
        for (int i = 0; i < count; i++) {
            ports.add(freePort());
            processes.add(null);
            runs.add(0);
        }
    }

    String url(int replica) {
        return "http://127.0.0.1:" + ports.get(replica);
    }

    /** Starts replica {@code replica} (again, after a kill): its own log file per run. */
    synchronized void start(int replica, String... moreArguments) throws IOException {
        var command = new ArrayList<>(List.of(java(), "-Xmx512m",
                "-Dquarkus.http.port=" + ports.get(replica),
                "-Dskydeck.data-dir=" + work.resolve("data").toAbsolutePath(),
                "-Dskydeck.sandbox.shared-state=true"));
        command.addAll(arguments);
        command.addAll(List.of(moreArguments));
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        int run = runs.get(replica) + 1;
        runs.set(replica, run);
        var builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("replica-" + (replica + 1) + (run > 1 ? "-run-" + run : "") + ".log").toFile());
        builder.environment().put("SKYDECK_DB_URL", DB_URL);
        builder.environment().put("SKYDECK_DB_USER", DB_USER);
        builder.environment().put("SKYDECK_DB_PASSWORD", DB_PASSWORD);
        processes.set(replica, builder.start());
    }

    /** SIGKILL ({@link Process#destroyForcibly} on Linux): no shutdown hook, no lease let go, no connection closed. */
    synchronized void kill(int replica) throws InterruptedException {
        Process p = processes.get(replica);
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("replica " + (replica + 1) + " is dead").isTrue();
    }

    /** Waits until every started replica answers its readiness check (at most 120 s). */
    void awaitReady() throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        for (int i = 0; i < ports.size(); i++) {
            if (processes.get(i) == null) {
                continue;
            }
            while (true) {
                assertThat(processes.get(i).isAlive()).as("replica " + (i + 1) + " died during start-up; see " + work + "/replica-*.log")
                        .isTrue();
                if (ready(i)) {
                    break;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError(url(i) + " was not ready within 120 s; see " + work + "/replica-*.log");
                }
                Thread.sleep(300);
            }
        }
    }

    private boolean ready(int replica) throws InterruptedException {
        try {
            var response = HTTP.send(HttpRequest.newBuilder(URI.create(url(replica) + "/q/health/ready")).build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** A JWT made by the jar's {@code token} command with the replicas' key pair. */
    String token(String... args) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of(java(), "-jar", JAR.toAbsolutePath().toString(), "token",
                "--data-dir", work.resolve("data").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("token " + String.join(" ", args)).isZero();
        return out.lines().reduce((first, last) -> last).orElseThrow();
    }

    /** Stops every live replica (SIGTERM, then SIGKILL after 30 s). */
    @Override
    public void close() throws InterruptedException {
        for (Process p : processes) {
            if (p != null) {
                p.destroy();
            }
        }
        for (Process p : processes) {
            if (p != null && !p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    static Answer send(String url, String method, String path, String bearer, String idempotencyKey, String body)
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
            throw new AssertionError(method + " " + path + " answered " + response.statusCode() + ": " + response.body()
                    + loggedFor(json.path("requestId").asText("")));
        }
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), json);
    }

    /**
     * What the replicas logged for request {@code requestId}: its lines and the stack trace that
     * follows them (at most 60 lines per log), so that a failure in CI, whose work directory is
     * gone afterwards, says why the service answered 500.
     */
    private static String loggedFor(String requestId) {
        if (requestId.isEmpty()) {
            return "";
        }
        var found = new StringBuilder();
        for (Path work : WORK_DIRECTORIES) {
            try (var logs = Files.newDirectoryStream(work, "replica-*.log")) {
                for (Path log : logs) {
                    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                    int quoted = 0;
                    boolean inTrace = false;
                    for (String line : lines) {
                        boolean ours = line.contains("req=" + requestId);
                        boolean continuation = !line.matches("^\\d{4}-\\d{2}-\\d{2} .*");
                        inTrace = ours || (inTrace && continuation);
                        if (inTrace && quoted++ < 60) {
                            found.append(quoted == 1 ? "\n--- " + log.getFileName() + " ---\n" : "").append(line).append('\n');
                        }
                    }
                }
            } catch (IOException e) {
                found.append("\n(could not read the logs in ").append(work).append(": ").append(e).append(')');
            }
        }
        return found.length() == 0 ? "\n(no replica log line names request " + requestId + ")" : "\nreplica logs:" + found;
    }

    /** Polls an operation until it ends (at most {@code seconds}); its final state. */
    static String awaitOperation(String url, String bearer, String operation, int seconds) throws Exception {
        Instant deadline = Instant.now().plusSeconds(seconds);
        while (Instant.now().isBefore(deadline)) {
            String state = send(url, "GET", "/v1/operations/" + operation, bearer, null, null).body().get("state").asText();
            if (!state.equals("PENDING") && !state.equals("RUNNING")) {
                return state;
            }
            Thread.sleep(200);
        }
        return "STILL RUNNING after " + seconds + " s";
    }

    /** Empties the test database: the replicas' Flyway migrates it afresh. */
    static void resetSchema() throws SQLException {
        try (Connection c = connect()) {
            c.createStatement().execute("DROP SCHEMA public CASCADE");
            c.createStatement().execute("CREATE SCHEMA public");
        }
    }

    /** The first row of {@code sql}, positioned (the caller closes its connection with the statement's). */
    static ResultSet query(String sql) throws SQLException {
        ResultSet rows = connect().createStatement().executeQuery(sql);
        assertThat(rows.next()).as(sql).isTrue();
        return rows;
    }

    /** The shared sandbox's document, as the simulated cloud itself holds it. */
    static JsonNode sandboxState() throws SQLException, IOException {
        try (Connection c = connect(); ResultSet row = c.createStatement().executeQuery(
                "SELECT state FROM sandbox_cloud WHERE name = 'sandbox'")) {
            assertThat(row.next()).as("the shared sandbox's row").isTrue();
            return JSON.readTree(row.getBytes(1));
        }
    }

    static Connection connect() throws SQLException {
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
