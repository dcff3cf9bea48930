package io.skydeck.support;

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
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service JVM from the packaged jar ({@code target/quarkus-app}), for integration tests run
 * by failsafe after {@code package}: started with system properties and the database named by
 * {@code SKYDECK_TEST_DB_URL}, spoken to over HTTP, stopped as an operator would (SIGTERM). Its
 * output goes to {@code <work>/<name>.log}, which tests may read.
 */
public final class PackagedService implements AutoCloseable {
    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path work;
    private final Path log;
    private final Process process;
    private final String url;

    /** What the service answered: status, content type and the body as JSON (null node when empty). */
    public record Answer(int status, String contentType, JsonNode body) {
        public JsonNode expect(int expected) {
            if (status != expected) {
                throw new AssertionError("expected " + expected + " but the service answered " + status + ": " + body);
            }
            return body;
        }
    }

    private PackagedService(Path work, Path log, Process process, String url) {
        this.work = work;
        this.log = log;
        this.process = process;
        this.url = url;
    }

    /**
     * Starts the jar on a free port with {@code -D} settings {@code properties} (its data directory
     * is {@code <work>/data}, shared by every service started on the same {@code work}), and waits
     * until {@code /q/health/ready} answers 200.
     */
    public static PackagedService start(Path work, String name, Map<String, String> properties) throws Exception {
        if (!Files.exists(JAR)) {
            throw new AssertionError("the packaged service " + JAR.toAbsolutePath() + " does not exist: run ./mvnw verify");
        }
        Files.createDirectories(work);
        int port = freePort();
        var command = new ArrayList<>(List.of(java(), "-Xmx384m", "-Dquarkus.http.port=" + port,
                "-Dskydeck.data-dir=" + work.resolve("data").toAbsolutePath()));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        Path log = work.resolve(name + ".log");
        var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("SKYDECK_DB_URL", Database.URL);
        builder.environment().put("SKYDECK_DB_USER", Database.USER);
        builder.environment().put("SKYDECK_DB_PASSWORD", Database.PASSWORD);
        var service = new PackagedService(work, log, builder.start(), "http://127.0.0.1:" + port);
        service.awaitReady();
        return service;
    }

    public String url() {
        return url;
    }

    public Path log() {
        return log;
    }

    public Answer send(String method, String path, String bearer, String body) throws IOException, InterruptedException {
        var request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
        return new Answer(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), json);
    }

    /** Polls an operation until it leaves PENDING and RUNNING, for at most {@code patience}; its last view. */
    public JsonNode awaitOperation(String bearer, String operationId, Duration patience) throws Exception {
        Instant deadline = Instant.now().plus(patience);
        JsonNode op = send("GET", "/v1/operations/" + operationId, bearer, null).expect(200);
        while (Instant.now().isBefore(deadline) && ("PENDING".equals(op.path("state").asText())
                || "RUNNING".equals(op.path("state").asText()))) {
            Thread.sleep(300);
            op = send("GET", "/v1/operations/" + operationId, bearer, null).expect(200);
        }
        return op;
    }

    /** A token from the jar's own {@code token} command, signed with the key in {@code <work>/data}. */
    public static String token(Path work, String... args) throws IOException, InterruptedException {
        var command = new ArrayList<>(List.of(java(), "-jar", JAR.toAbsolutePath().toString(), "token",
                "--data-dir", work.resolve("data").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("token " + String.join(" ", args) + " failed");
        }
        return out.lines().reduce((first, last) -> last).orElseThrow();
    }

    public String logText() throws IOException {
        return Files.readString(log);
    }

    /** SIGTERM, as Kubernetes stops a pod; forcibly after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void awaitReady() throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("the service stopped during start-up (exit " + process.exitValue() + "); see " + log);
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
        close();
        throw new AssertionError(url + " was not ready within 120 s; see " + log + " (in " + work + ")");
    }

    /** The database the integration tests use ({@code SKYDECK_TEST_DB_URL}), whose schema they may reset. */
    public static final class Database {
        public static final String URL = System.getenv("SKYDECK_TEST_DB_URL");
        public static final String USER = System.getenv().getOrDefault("SKYDECK_TEST_DB_USER", "postgres");
        public static final String PASSWORD = System.getenv().getOrDefault("SKYDECK_TEST_DB_PASSWORD", "");

        private Database() {
        }

        public static boolean named() {
            return URL != null && !URL.isBlank();
        }

        public static void resetSchema() throws SQLException {
            try (Connection c = connect()) {
                c.createStatement().execute("DROP SCHEMA public CASCADE");
                c.createStatement().execute("CREATE SCHEMA public");
            }
        }

        public static Connection connect() throws SQLException {
            return DriverManager.getConnection(URL, USER, PASSWORD);
        }
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
