package io.skydeck.release.analysis.prometheus;

import io.skydeck.release.analysis.Analysis;
import io.skydeck.release.analysis.CheckResult;
import io.skydeck.release.analysis.Measurement;
import io.skydeck.release.analysis.Metric;
import io.skydeck.release.analysis.MetricCheck;
import io.skydeck.release.analysis.Verdict;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The query API's documented answers, served by a stub that only answers the exact request the client must send. */
class PrometheusSourceTest {

    /** 2026-12-01T20:00:00Z is 1,796,155,200 s after the epoch. */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T20:00:00Z"), ZoneOffset.UTC);
    static final String AT = "1796155200.000";

    static final String SUCCESS_RATE = "1 - sum(rate(http_requests_errors_total{job=\"shop\"}[2m])) / sum(rate(http_requests_total{job=\"shop\"}[2m]))";
    static final String REQUESTS = "sum(increase(http_requests_total{job=\"shop\"}[2m]))";
    static final PromQlCheck SUCCESS = new PromQlCheck(new MetricCheck("success", Metric.SUCCESS_RATE, 0.99, 100), SUCCESS_RATE, REQUESTS);

    final PrometheusStub stub = new PrometheusStub().expectTime(AT);

    @AfterEach
    void stop() {
        stub.close();
    }

    PrometheusSource source() {
        return new PrometheusSource(stub.url(), Duration.ofSeconds(2), CLOCK);
    }

    static String vector(String... values) {
        StringBuilder result = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            result.append(i == 0 ? "" : ",").append("{\"metric\":{\"instance\":\"10.0.0.").append(i + 1)
                    .append(":8080\"},\"value\":[1796155200,\"").append(values[i]).append("\"]}");
        }
        return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[" + result + "]}}";
    }

    @Test
    void aSuccessRateWithinItsLimitOnEnoughRequestsSucceeds() {
        stub.answer(SUCCESS_RATE, 200, vector("0.995")).answer(REQUESTS, 200, vector("1500.7"));

        Measurement m = source().measure(SUCCESS);

        assertThat(m).isEqualTo(new Measurement(Metric.SUCCESS_RATE, 0.995, 1500));
        assertThat(SUCCESS.check().judge(m).verdict()).isEqualTo(Verdict.SUCCESSFUL);
        assertThat(stub.seen).containsExactly(
                "GET /api/v1/query {query=" + SUCCESS_RATE + ", time=" + AT + "}",
                "GET /api/v1/query {query=" + REQUESTS + ", time=" + AT + "}");
    }

    @Test
    void aSuccessRateBelowItsLimitFails() {
        stub.answer(SUCCESS_RATE, 200, vector("0.7")).answer(REQUESTS, 200, vector("2000"));

        CheckResult r = SUCCESS.check().judge(source().measure(SUCCESS));

        assertThat(r.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(r.why()).isEqualTo("SUCCESS_RATE 0.7 beyond ≥ 0.99");
    }

    @Test
    void aScalarAnswerIsAValueToo() {
        PromQlCheck errors = new PromQlCheck(new MetricCheck("errors", Metric.ERROR_COUNT, 5, 0), "scalar(sum(errors))");
        stub.answer("scalar(sum(errors))", 200, "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1796155200,\"3\"]}}");

        Measurement m = source().measure(errors);

        assertThat(m).isEqualTo(new Measurement(Metric.ERROR_COUNT, 3, 0));
        assertThat(errors.check().judge(m).verdict()).isEqualTo(Verdict.SUCCESSFUL);
    }

    @Test
    void tooFewRequestsCountedByPrometheusIsInconclusive() {
        stub.answer(SUCCESS_RATE, 200, vector("1")).answer(REQUESTS, 200, vector("99.9"));

        CheckResult r = SUCCESS.check().judge(source().measure(SUCCESS));

        assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(r.why()).isEqualTo("99 requests, fewer than the 100 this check needs");
    }

    @Test
    void aQueryPrometheusRefusesIsInconclusiveWithItsErrorTypeAndMessage() {
        stub.answer(SUCCESS_RATE, 400, """
                {"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:8: parse error: unexpected \\"}\\""}""");

        CheckResult r = SUCCESS.check().judge(source().measure(SUCCESS));

        assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(r.why()).isEqualTo("no measurement of SUCCESS_RATE: prometheus: query failed (HTTP 400, bad_data): "
                + "invalid parameter \"query\": 1:8: parse error: unexpected \"}\"");
        assertThat(stub.seen).as("no count is asked for once the value is missing").hasSize(1);
    }

    @Test
    void everyWayOfNotGettingOneNumberIsInconclusiveAndNamesWhy() {
        Map<String, String> reasons = Map.of(
                "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"many-to-many matching not allowed\"}",
                "query failed (HTTP 422, execution): many-to-many matching not allowed",
                "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression evaluation\"}",
                "query failed (HTTP 503, timeout): query timed out in expression evaluation",
                vector(), "the query matched no series (no data yet, or the target is not scraped)",
                vector("0.999", "0.5"), "the query returned 2 series; a check needs one — aggregate it, e.g. with sum(...)",
                vector("NaN"), "the query evaluated to NaN (a ratio of zero rates: no traffic in the window?)",
                vector("+Inf"), "the query evaluated to +Inf (a division by zero?)",
                "<html><body>502 Bad Gateway</body></html>", "HTTP 502 without a query API answer: <html><body>502 Bad Gateway</body></html>",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}",
                "the query returned a range (matrix); a check needs one instant value");
        Map<String, Integer> statuses = Map.of("execution", 422, "timeout", 503, "502 Bad", 502);
        for (Map.Entry<String, String> bad : reasons.entrySet()) {
            int status = statuses.entrySet().stream().filter(s -> bad.getKey().contains(s.getKey()))
                    .map(Map.Entry::getValue).findFirst().orElse(200);
            stub.answer(SUCCESS_RATE, status, bad.getKey()).answer(REQUESTS, 200, vector("5000"));

            Measurement m = source().measure(SUCCESS);

            assertThat(m.why()).as(bad.getKey()).isEqualTo("prometheus: " + bad.getValue());
            assertThat(SUCCESS.check().judge(m).verdict()).as(bad.getKey()).isEqualTo(Verdict.INCONCLUSIVE);
        }
    }

    @Test
    void aFailedRequestCountIsInconclusiveEvenWithAGoodValue() {
        stub.answer(SUCCESS_RATE, 200, vector("1")).answer(REQUESTS, 200, vector());

        CheckResult r = SUCCESS.check().judge(source().measure(SUCCESS));

        assertThat(r.verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(r.why()).isEqualTo("no measurement of SUCCESS_RATE: prometheus, counting requests: "
                + "the query matched no series (no data yet, or the target is not scraped)");
    }

    @Test
    void aServerThatIsNotThereIsInconclusive() {
        URI gone = stub.url();
        stub.close();

        Measurement m = new PrometheusSource(gone, Duration.ofSeconds(2), CLOCK).measure(SUCCESS);

        assertThat(m.why()).startsWith("prometheus: " + gone + "/api/v1/query unreachable: ConnectException");
        assertThat(SUCCESS.check().judge(m).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    void aServerThatAnswersTooLateIsInconclusive() {
        stub.answer(SUCCESS_RATE, 200, vector("1"), 3_000).answer(REQUESTS, 200, vector("5000"));

        long started = System.nanoTime();
        Measurement m = new PrometheusSource(stub.url(), Duration.ofMillis(300), CLOCK).measure(SUCCESS);

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2_000));
        assertThat(m.why()).isEqualTo("prometheus: " + stub.url() + "/api/v1/query did not answer within PT0.3S");
        assertThat(SUCCESS.check().judge(m).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
    }

    @Test
    void aBearerTokenIsSentAndAPathPrefixKept() {
        try (PrometheusStub behindProxy = new PrometheusStub("/prometheus").expectTime(AT).expectToken("s3cret")) {
            behindProxy.answer(SUCCESS_RATE, 200, vector("0.999")).answer(REQUESTS, 200, vector("800"));
            URI url = URI.create(behindProxy.url() + "/");

            Measurement withToken = new PrometheusSource(url, Duration.ofSeconds(2), CLOCK, Optional.of("s3cret")).measure(SUCCESS);
            Measurement without = new PrometheusSource(url, Duration.ofSeconds(2), CLOCK).measure(SUCCESS);

            assertThat(withToken).isEqualTo(new Measurement(Metric.SUCCESS_RATE, 0.999, 800));
            assertThat(without.why()).startsWith("prometheus: HTTP 404 without a query API answer");
        }
    }

    @Test
    void measureAllFeedsAnAnalysis() {
        PromQlCheck latency = new PromQlCheck(new MetricCheck("p99", Metric.P99_LATENCY_MS, 250, 100),
                "1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[2m])))", REQUESTS);
        stub.answer(SUCCESS_RATE, 200, vector("0.999")).answer(REQUESTS, 200, vector("1200"))
                .answer(latency.valueQuery(), 200, vector("312.5"));

        Map<Metric, Measurement> measured = source().measureAll(List.of(SUCCESS, latency));
        Analysis.Result result = new Analysis(List.of(SUCCESS.check(), latency.check())).judge(measured);

        assertThat(result.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(result.checks()).extracting(CheckResult::verdict).containsExactly(Verdict.SUCCESSFUL, Verdict.FAILED);
        assertThatThrownBy(() -> source().measureAll(List.of(SUCCESS, SUCCESS)))
                .hasMessage("checks[success]: another check already measures SUCCESS_RATE");
    }

    @Test
    void badChecksAndSourcesNameTheirField() {
        MetricCheck counted = new MetricCheck("success", Metric.SUCCESS_RATE, 0.99, 100);
        assertThatThrownBy(() -> new PromQlCheck(counted, "up"))
                .hasMessage("checks[success].samplesQuery: a check that needs 100 requests needs a query that counts them");
        assertThatThrownBy(() -> new PromQlCheck(counted, " ", REQUESTS))
                .hasMessage("checks[success].query: a Prometheus check needs a PromQL query");
        assertThatThrownBy(() -> new PrometheusSource(URI.create("ftp://x"), Duration.ofSeconds(1), CLOCK))
                .hasMessage("prometheus.url: 'ftp://x' is not an http(s) URL");
    }
}
