package io.skydeck.release;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus}, which {@code .ci/run} installs) scraping a shop
 * exporter every second, for the service's Prometheus-sourced analysis: the exporter serves two
 * jobs' counters — {@code good} with 0.1 % errors, {@code bad} with 30 % — at 200 requests a
 * second each. Started before the service, which gets its URL as
 * {@code skydeck.release.analysis.prometheus-url}; ready once Prometheus holds ten seconds of both.
 * A missing binary fails the test rather than skipping it.
 */
public class PrometheusPeer implements QuarkusTestResourceLifecycleManager {

    private static final Duration STARTUP = Duration.ofSeconds(60);

    private HttpServer good;
    private HttpServer bad;
    private Process prometheus;
    private Path workDir;

    @Override
    public Map<String, String> start() {
        Path binary = Path.of(System.getenv().getOrDefault("SKYDECK_PROMETHEUS_BIN", "/usr/bin/prometheus"));
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("no Prometheus at " + binary + ": `.ci/run` installs Debian's prometheus package "
                    + "(apt-get install prometheus), or set SKYDECK_PROMETHEUS_BIN");
        }
        try {
            good = exporter(0.001);
            bad = exporter(0.30);
            workDir = Files.createTempDirectory("skydeck-prometheus-svc-");
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path config = workDir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                    scrape_configs:
                      - job_name: good
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                      - job_name: bad
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(good.getAddress().getPort(), bad.getAddress().getPort()));
            prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + workDir.resolve("data"),
                    "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(workDir.resolve("prometheus.log").toFile()).start();
            String url = "http://127.0.0.1:" + port;
            awaitData(url);
            return Map.of("skydeck.release.analysis.prometheus-url", url);
        } catch (IOException | InterruptedException e) {
            stop();
            throw new IllegalStateException("Prometheus did not start: " + e, e);
        }
    }

    /** Until both jobs have ten seconds of requests in Prometheus (a 10 s rate is then defined). */
    private void awaitData(String url) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        String query = URI.create(url + "/api/v1/query?query=").toString()
                + java.net.URLEncoder.encode("count(increase(shop_requests_total[10s]) > 1000)", StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                throw new IllegalStateException("Prometheus exited: " + String.join("\n", Files.readAllLines(workDir.resolve("prometheus.log"))));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(query)).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"2\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("Prometheus had no data of both jobs after " + STARTUP);
    }

    private static HttpServer exporter(double errorShare) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        long started = System.nanoTime();
        server.createContext("/metrics", exchange -> {
            long requests = (long) ((System.nanoTime() - started) / 1e9 * 200);
            byte[] body = """
                    # TYPE shop_requests_total counter
                    shop_requests_total %d
                    # TYPE shop_request_errors_total counter
                    shop_request_errors_total %d
                    """.formatted(requests, (long) (requests * errorShare)).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    @Override
    public void stop() {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (HttpServer s : List.of(good, bad).stream().filter(java.util.Objects::nonNull).toList()) {
                s.stop(0);
            }
            if (workDir != null) {
                try (Stream<Path> files = Files.walk(workDir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // a temporary directory left behind
                }
            }
        }
    }
}
