package io.skydeck.release;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A release judged by a real Prometheus through the service ({@link PrometheusPeer}): the
 * success rate of the shop exporter's {@code good} job (0.1 % errors) lets a ROLLING release go
 * on after each batch; that of its {@code bad} job (30 % errors) fails the analysis after the
 * first batch and the release rolls back by itself.
 */
@QuarkusTest
@TestProfile(PrometheusAnalysisTest.WithPrometheus.class)
class PrometheusAnalysisTest {

    public static class WithPrometheus implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(PrometheusPeer.class));
        }
    }

    private static ReleaseFixtures fixtures;

    @BeforeEach
    void twoServers() {
        if (fixtures == null) {
            fixtures = new ReleaseFixtures(2);
        }
    }

    static Map<String, Object> successRateOf(String job) {
        String errors = "sum(rate(shop_request_errors_total{job=\"" + job + "\"}[10s]))";
        String requests = "sum(rate(shop_requests_total{job=\"" + job + "\"}[10s]))";
        return Map.of("source", "prometheus", "checks", List.of(Map.of("metric", "success-rate", "threshold", 0.99,
                "minimumSamples", 500, "query", "1 - " + errors + " / " + requests,
                "samplesQuery", "sum(increase(shop_requests_total{job=\"" + job + "\"}[10s]))")));
    }

    @Test
    void aGoodVersionPassesEveryBatchsAnalysis() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, "lb-" + app.substring(0, 8));
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v2"), "bastion", false,
                "analysis", successRateOf("good")));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);

        Response done = fixtures.awaitState(accepted.path("id"), "SUCCEEDED");

        assertThat(done.<String>path("analysis.source")).isEqualTo("prometheus");
        assertThat(done.<List<String>>path("analysis.runs.verdict")).containsExactly("SUCCESSFUL", "SUCCESSFUL");
        // 0.1 % of ~2,000 requests in 10 s
        assertThat(done.<Float>path("analysis.runs[0].checks[0].value")).isBetween(0.995f, 1.0f);
        assertThat(done.<Integer>path("analysis.runs[0].checks[0].samples")).isGreaterThanOrEqualTo(500);
    }

    @Test
    void aBadVersionFailsAfterItsFirstBatchAndRollsBack() {
        String app = fixtures.application();
        String group = fixtures.group(app, 2, "lb-" + app.substring(0, 8));
        Response accepted = fixtures.release(Map.of("groupId", group, "versionId", fixtures.version(app, "v3"), "bastion", false,
                "analysis", successRateOf("bad")));
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);

        Response rolledBack = fixtures.awaitState(accepted.path("id"), "ROLLED_BACK");

        assertThat(rolledBack.<List<String>>path("instances.state")).containsExactly("REVERTED", "WAITING");
        assertThat(rolledBack.<List<String>>path("analysis.runs.verdict")).containsExactly("FAILED");
        assertThat(rolledBack.<Float>path("analysis.runs[0].checks[0].value")).isBetween(0.65f, 0.75f);
        assertThat(rolledBack.<String>path("reason")).contains("success-rate");
    }
}
