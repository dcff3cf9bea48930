package io.skydeck.release.analysis.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A Prometheus query API on loopback that answers only the exact request it was told to expect:
 * {@code GET <prefix>/api/v1/query} with that {@code query}, that {@code time} and, when set,
 * that bearer token. Anything else is a 404 whose body is not the query API's, so a client that
 * sends the wrong request gets no number and a test expecting one fails.
 */
final class PrometheusStub implements AutoCloseable {

    record Answer(int status, String body, long delayMillis) {
    }

    private final HttpServer server;
    private final String prefix;
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    final List<String> seen = new CopyOnWriteArrayList<>();
    private volatile String expectedTime;
    private volatile String expectedToken;

    PrometheusStub(String prefix) {
        this.prefix = prefix;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    PrometheusStub() {
        this("");
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + prefix);
    }

    PrometheusStub expectTime(String unixSeconds) {
        this.expectedTime = unixSeconds;
        return this;
    }

    PrometheusStub expectToken(String token) {
        this.expectedToken = token;
        return this;
    }

    PrometheusStub answer(String promql, int status, String body) {
        return answer(promql, status, body, 0);
    }

    PrometheusStub answer(String promql, int status, String body, long delayMillis) {
        answers.put(promql, new Answer(status, body, delayMillis));
        return this;
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> params = params(exchange.getRequestURI().getRawQuery());
        seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + params);
        Answer answer = answers.get(params.getOrDefault("query", ""));
        boolean matches = exchange.getRequestMethod().equals("GET")
                && exchange.getRequestURI().getPath().equals(prefix + "/api/v1/query")
                && answer != null
                && (expectedTime == null || expectedTime.equals(params.get("time")))
                && (expectedToken == null || ("Bearer " + expectedToken).equals(exchange.getRequestHeaders().getFirst("Authorization")));
        if (!matches) {
            answer = new Answer(404, "no stub for " + exchange.getRequestMethod() + " " + exchange.getRequestURI(), 0);
        }
        if (answer.delayMillis() > 0) {
            try {
                Thread.sleep(answer.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", answer.body().startsWith("{") ? "application/json" : "text/html");
        try {
            exchange.sendResponseHeaders(answer.status(), body.length);
            exchange.getResponseBody().write(body);
        } catch (IOException clientGaveUp) {
            // the client timed out first: nothing to answer
        } finally {
            exchange.close();
        }
    }

    private static Map<String, String> params(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        return java.util.Arrays.stream(rawQuery.split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> URLDecoder.decode(p[0], StandardCharsets.UTF_8),
                        p -> p.length < 2 ? "" : URLDecoder.decode(p[1], StandardCharsets.UTF_8), (a, b) -> b));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
