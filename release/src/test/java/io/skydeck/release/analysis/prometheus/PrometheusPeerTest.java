package io.skydeck.release.analysis.prometheus;

import io.skydeck.release.analysis.CheckResult;
import io.skydeck.release.analysis.Measurement;
import io.skydeck.release.analysis.Metric;
import io.skydeck.release.analysis.MetricCheck;
import io.skydeck.release.analysis.Verdict;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Prometheus source against a real Prometheus (Debian's {@code prometheus} package, which
 * {@code .ci/run} installs): the test starts two exporters — a good version with 0.1 % errors
 * and a bad one with 30 % — and its own Prometheus scraping both every second, waits until
 * Prometheus has enough requests of each, and judges a success-rate check through the client.
 * A missing binary fails the test rather than skipping it, so CI cannot go green without it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PrometheusPeerTest {

    static final Duration STARTUP = Duration.ofSeconds(45);

    final ShopExporter good = new ShopExporter(0.001);
    final ShopExporter bad = new ShopExporter(0.30);
    Path workDir;
    Process prometheus;
    PrometheusSource source;

    static PromQlCheck successRate(String job) {
        String errors = "sum(rate(shop_request_errors_total{job=\"" + job + "\"}[10s]))";
        String requests = "sum(rate(shop_requests_total{job=\"" + job + "\"}[10s]))";
        return new PromQlCheck(new MetricCheck("success", Metric.SUCCESS_RATE, 0.99, 500),
                "1 - " + errors + " / " + requests,
                "sum(increase(shop_requests_total{job=\"" + job + "\"}[10s]))");
    }

    @BeforeAll
    void startPrometheus() throws Exception {
        Path binary = Path.of(System.getenv().getOrDefault("SKYDECK_PROMETHEUS_BIN", "/usr/bin/prometheus"));
        if (!Files.isExecutable(binary)) {
            fail("no Prometheus at " + binary + ": the release analysis is tested against a real one. `.ci/run` installs "
                    + "Debian's `prometheus` package when it is missing (apt-get install prometheus); or set "
                    + "SKYDECK_PROMETHEUS_BIN to a prometheus binary");
        }
        workDir = Files.createTempDirectory("skydeck-prometheus-");
        int port = freePort();
        Path config = workDir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                scrape_configs:
                  - job_name: good
                    static_configs:
                      - targets: ['%s']
                  - job_name: bad
                    static_configs:
                      - targets: ['%s']
                """.formatted(good.target(), bad.target()));
        prometheus = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + workDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("prometheus.log").toFile())
                .start();
        URI url = URI.create("http://127.0.0.1:" + port);
        source = new PrometheusSource(url, Duration.ofSeconds(5), Clock.systemUTC());
        awaitReady(url);
        awaitMeasurable(successRate("good"));
        awaitMeasurable(successRate("bad"));
    }

    @AfterAll
    void stopPrometheus() throws Exception {
        try {
            if (prometheus != null) {
                prometheus.destroy();
                if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
                    prometheus.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } finally {
            good.close();
            bad.close();
            if (workDir != null) {
                try (Stream<Path> files = Files.walk(workDir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Test
    void bothExportersAreScrapedTargets() {
        assertThat(source.query("sum(up{job=~\"good|bad\"})", Instant.now())).isEqualTo(new QueryAnswer.Value(2));
    }

    @Test
    void aVersionWithFewErrorsSucceeds() {
        PromQlCheck check = successRate("good");
        Measurement m = source.measure(check);
        CheckResult r = check.check().judge(m);

        // 0.1 % of 200 requests a second are errors: a success rate of 0.999 on ~2,000 requests in 10 s
        assertThat(r.verdict()).as(r.why()).isEqualTo(Verdict.SUCCESSFUL);
        assertThat(m.value()).isBetween(0.995, 1.0);
        assertThat(m.samples()).isGreaterThanOrEqualTo(500);
    }

    @Test
    void aVersionWithThirtyPercentErrorsFails() {
        PromQlCheck check = successRate("bad");
        Measurement m = source.measure(check);
        CheckResult r = check.check().judge(m);

        assertThat(r.verdict()).as(r.why()).isEqualTo(Verdict.FAILED);
        assertThat(m.value()).isBetween(0.65, 0.75);
    }

    @Test
    void whatTheRealServerRefusesOrDoesNotHaveIsInconclusive() {
        MetricCheck check = new MetricCheck("success", Metric.SUCCESS_RATE, 0.99, 0);

        Measurement syntaxError = source.measure(new PromQlCheck(check, "sum(rate(shop_requests_total[10s])"));
        Measurement noSuchSeries = source.measure(new PromQlCheck(check, "sum(rate(shop_requests_total{job=\"nobody\"}[10s]))"));
        Measurement noTraffic = source.measure(new PromQlCheck(check, "sum(rate(shop_requests_total{job=\"good\"}[10s])) * 0 / 0"));

        assertThat(syntaxError.why()).startsWith("prometheus: query failed (HTTP 400, bad_data): ");
        assertThat(noSuchSeries.why()).isEqualTo("prometheus: the query matched no series (no data yet, or the target is not scraped)");
        assertThat(noTraffic.why()).startsWith("prometheus: the query evaluated to NaN");
        assertThat(List.of(syntaxError, noSuchSeries, noTraffic)).extracting(m -> check.judge(m).verdict())
                .containsOnly(Verdict.INCONCLUSIVE);
    }

    private void awaitReady(URI url) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        await("Prometheus to be ready", () -> {
            try {
                return http.send(HttpRequest.newBuilder(url.resolve("/-/ready")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Until Prometheus holds enough requests of the job for the check to be judged at all. */
    private void awaitMeasurable(PromQlCheck check) throws Exception {
        await("enough scraped requests for " + check.samplesQuery(), () -> {
            Measurement m = source.measure(check);
            return !Double.isNaN(m.value()) && m.samples() >= check.check().minimumSamples();
        });
    }

    private void await(String what, Check condition) throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!prometheus.isAlive()) {
                fail("Prometheus exited with " + prometheus.exitValue() + " while waiting for " + what + ":\n" + logTail());
            }
            if (condition.holds()) {
                return;
            }
            Thread.sleep(250);
        }
        fail("gave up after " + STARTUP + " waiting for " + what + ":\n" + logTail());
    }

    private String logTail() throws IOException {
        List<String> lines = Files.readAllLines(workDir.resolve("prometheus.log"));
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }
}
