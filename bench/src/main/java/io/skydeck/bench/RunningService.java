package io.skydeck.bench;

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
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The service itself, as a harness's subject: its packaged jar ({@code src/target/quarkus-app})
 * started as a separate JVM on a free port, with a data directory of its own and a fresh database
 * (created on the bench PostgreSQL, migrated by the service's Flyway, dropped at the end, also on
 * a JVM exit). Requests carry a real finance token made by the jar's {@code token} command.
 */
final class RunningService implements AutoCloseable {

    final String baseUrl;
    final String jdbcUrl;
    final String database;
    final String financeToken;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Process process;
    private final Path dataDir;
    private final Path jar;
    private final Thread stopOnExit;
    private boolean stopped;

    private RunningService(String baseUrl, String jdbcUrl, String database, Process process, Path dataDir, Path jar, String token) {
        this.baseUrl = baseUrl;
        this.jdbcUrl = jdbcUrl;
        this.database = database;
        this.process = process;
        this.dataDir = dataDir;
        this.jar = jar;
        this.financeToken = token;
        this.stopOnExit = new Thread(this::stop, "stop-service");
    }

    /**
     * Starts the service with {@code jvmOptions} (heap, system properties) and waits until it is
     * ready (at most 240 s).
     */
    static RunningService start(List<String> jvmOptions) throws Exception {
        Path jar = Path.of(System.getProperty("skydeck.service.jar", "src/target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: bench/run builds it with ./mvnw -pl src -am package -DskipTests");
        }
        String serverUrl = BenchDatabase.env("SKYDECK_BENCH_DB_URL", BenchDatabase.DEFAULT_URL);
        String user = BenchDatabase.env("SKYDECK_BENCH_DB_USER", "postgres");
        String password = BenchDatabase.env("SKYDECK_BENCH_DB_PASSWORD", "");
        String database = "bench_svc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(serverUrl, user, password); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        String jdbcUrl = withDatabase(serverUrl, database);
        Path dataDir = Files.createTempDirectory("skydeck-bench-service-");
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of(javaBinary()));
        command.addAll(jvmOptions);
        // For profiling the service under a harness, e.g. -Dskydeck.bench.service-options=-XX:StartFlightRecording=filename=/tmp/s.jfr
        String extra = System.getProperty("skydeck.bench.service-options", "");
        if (!extra.isBlank()) {
            command.addAll(List.of(extra.trim().split("\\s+")));
        }
        command.add("-Dquarkus.http.port=" + port);
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dataDir.resolve("service.log").toFile());
        pb.environment().put("SKYDECK_DATA_DIR", dataDir.toString());
        pb.environment().put("SKYDECK_DB_URL", jdbcUrl);
        pb.environment().put("SKYDECK_DB_USER", user);
        pb.environment().put("SKYDECK_DB_PASSWORD", password);
        Process process = pb.start();
        String baseUrl = "http://127.0.0.1:" + port;
        RunningService service = new RunningService(baseUrl, jdbcUrl, database, process, dataDir, jar, null);
        Runtime.getRuntime().addShutdownHook(service.stopOnExit);
        long t0 = System.nanoTime();
        service.awaitReady(240);
        String token = service.token("--role", "finance");
        System.out.printf(Locale.ROOT, "service: %s %s, ready in %.1f s at %s, database %s, log %s%n", jar, jvmOptions,
                (System.nanoTime() - t0) / 1e9, baseUrl, database, dataDir.resolve("service.log"));
        RunningService ready = new RunningService(baseUrl, jdbcUrl, database, process, dataDir, jar, token);
        Runtime.getRuntime().removeShutdownHook(service.stopOnExit);
        Runtime.getRuntime().addShutdownHook(ready.stopOnExit);
        return ready;
    }

    /** A connection to the service's database (its tables, migrated by the service). */
    /** The service's process id (its CPU time is read from it). */
    long pid() {
        return process.pid();
    }

    Connection connect() throws SQLException {
        Connection c = DriverManager.getConnection(jdbcUrl, BenchDatabase.env("SKYDECK_BENCH_DB_USER", "postgres"),
                BenchDatabase.env("SKYDECK_BENCH_DB_PASSWORD", ""));
        try (Statement s = c.createStatement()) {
            s.execute("SET statement_timeout TO '600s'");
        }
        return c;
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization", "Bearer " + financeToken)
                .timeout(Duration.ofMinutes(30));
    }

    private void awaitReady(int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue() + "; see " + dataDir.resolve("service.log"));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the service was not ready within " + seconds + " s; see " + dataDir.resolve("service.log"));
    }

    /** A token made by the jar's {@code token} command with this service's keys, e.g. {@code token("--role", "admin")}. */
    String token(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString(), "token"));
        command.addAll(List.of(args));
        Process p = withDataDir(new ProcessBuilder(command)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || out.isEmpty()) {
            throw new IllegalStateException("token " + String.join(" ", args) + " failed: " + new String(p.getErrorStream().readAllBytes(),
                    StandardCharsets.UTF_8));
        }
        String[] lines = out.split("\n");
        return lines[lines.length - 1].strip();
    }

    private ProcessBuilder withDataDir(ProcessBuilder pb) {
        pb.environment().put("SKYDECK_DATA_DIR", dataDir.toString());
        return pb;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static String withDatabase(String url, String database) {
        int slash = url.indexOf('/', "jdbc:postgresql://".length());
        int query = url.indexOf('?');
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String serverUrl = BenchDatabase.env("SKYDECK_BENCH_DB_URL", BenchDatabase.DEFAULT_URL);
        try (Connection c = DriverManager.getConnection(serverUrl, BenchDatabase.env("SKYDECK_BENCH_DB_USER", "postgres"),
                BenchDatabase.env("SKYDECK_BENCH_DB_PASSWORD", "")); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop database " + database + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException exiting) {
            // already shutting down
        }
    }
}
