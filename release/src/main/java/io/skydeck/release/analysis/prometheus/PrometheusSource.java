package io.skydeck.release.analysis.prometheus;

import io.skydeck.release.analysis.Measurement;
import io.skydeck.release.analysis.Metric;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Measures release checks with Prometheus's HTTP query API ({@code GET /api/v1/query}),
 * evaluated at the injected clock's instant.
 *
 * <p>Every way of not getting a number — a refused or failed query, a server that does not
 * answer in time, a target with no series yet — becomes a {@link Measurement#none measurement
 * without a value} that carries the reason, which the check turns into an inconclusive result:
 * a release pauses for a person, it never goes on because the monitoring was down.
 */
public final class PrometheusSource {

    private final URI queryEndpoint;
    private final Duration timeout;
    private final Clock clock;
    private final Optional<String> bearerToken;
    private final HttpClient http;

    /**
     * @param baseUrl where Prometheus serves, e.g. {@code http://127.0.0.1:9090} or one under a path prefix
     * @param timeout for connecting and for each query's answer
     */
    public PrometheusSource(URI baseUrl, Duration timeout, Clock clock) {
        this(baseUrl, timeout, clock, Optional.empty());
    }

    /** @param bearerToken sent as {@code Authorization: Bearer …} for a Prometheus behind an authenticating proxy */
    public PrometheusSource(URI baseUrl, Duration timeout, Clock clock, Optional<String> bearerToken) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        if (!"http".equals(baseUrl.getScheme()) && !"https".equals(baseUrl.getScheme())) {
            throw new IllegalArgumentException("prometheus.url: '" + baseUrl + "' is not an http(s) URL");
        }
        String base = baseUrl.toString();
        this.queryEndpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/api/v1/query");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.bearerToken = Objects.requireNonNull(bearerToken, "bearerToken");
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** One check's measurement: its value, and the requests it stands on when the check counts them. */
    public Measurement measure(PromQlCheck check) {
        Metric metric = check.check().metric();
        Instant at = clock.instant();
        QueryAnswer value = query(check.valueQuery(), at);
        if (value instanceof QueryAnswer.NoValue none) {
            return Measurement.none(metric, "prometheus: " + none.why());
        }
        double measured = ((QueryAnswer.Value) value).value();
        if (check.samplesQuery() == null) {
            return new Measurement(metric, measured, 0);
        }
        QueryAnswer counted = query(check.samplesQuery(), at);
        if (counted instanceof QueryAnswer.NoValue none) {
            return Measurement.none(metric, "prometheus, counting requests: " + none.why());
        }
        double requests = ((QueryAnswer.Value) counted).value();
        if (requests < 0) {
            return Measurement.none(metric, "prometheus, counting requests: " + requests + " is negative");
        }
        return new Measurement(metric, measured, (long) Math.floor(requests));
    }

    /**
     * Every check's measurement, keyed by metric as {@link io.skydeck.release.analysis.Analysis#judge} takes them.
     *
     * @throws IllegalArgumentException when two checks measure the same metric: one would hide the other
     */
    public Map<Metric, Measurement> measureAll(List<PromQlCheck> checks) {
        Map<Metric, Measurement> measured = new LinkedHashMap<>();
        for (PromQlCheck check : checks) {
            if (measured.containsKey(check.check().metric())) {
                throw new IllegalArgumentException("checks[" + check.check().name() + "]: another check already measures "
                        + check.check().metric());
            }
            measured.put(check.check().metric(), measure(check));
        }
        return measured;
    }

    /** Evaluates one PromQL expression at {@code at}; never throws for what the server or the network does. */
    public QueryAnswer query(String promql, Instant at) {
        URI uri = URI.create(queryEndpoint + "?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                + "&time=" + unixSeconds(at));
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).header("Accept", "application/json").GET();
        bearerToken.ifPresent(token -> request.header("Authorization", "Bearer " + token));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return QueryResponseToAnswer.convert(response.statusCode(), response.body());
        } catch (HttpTimeoutException e) {
            return new QueryAnswer.NoValue(queryEndpoint + " did not answer within " + timeout);
        } catch (IOException e) {
            return new QueryAnswer.NoValue(queryEndpoint + " unreachable: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new QueryAnswer.NoValue("interrupted while querying " + queryEndpoint);
        }
    }

    /** Prometheus takes {@code time} as Unix seconds with a fraction; milliseconds are as fine as it stores. */
    static String unixSeconds(Instant at) {
        return BigDecimal.valueOf(at.toEpochMilli(), 3).toPlainString();
    }
}
