package io.skydeck.release.analysis.prometheus;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A version of a shop under traffic, as Prometheus scrapes it: {@code GET /metrics} in the text
 * exposition format with two counters, requests and errors. The counters grow with the time
 * since start — 200 requests a second, a fixed share of them errors — so a rate over any window
 * is known in advance without a load generator.
 */
final class ShopExporter implements AutoCloseable {

    static final double REQUESTS_PER_SECOND = 200;

    private final HttpServer server;
    private final double errorShare;
    private final long startedNanos = System.nanoTime();

    ShopExporter(double errorShare) {
        this.errorShare = errorShare;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/metrics", exchange -> {
            byte[] body = exposition().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    String target() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private String exposition() {
        long requests = (long) ((System.nanoTime() - startedNanos) / 1e9 * REQUESTS_PER_SECOND);
        long errors = (long) (requests * errorShare);
        return """
                # HELP shop_requests_total Requests the shop served.
                # TYPE shop_requests_total counter
                shop_requests_total %d
                # HELP shop_request_errors_total Requests the shop answered with a server error.
                # TYPE shop_request_errors_total counter
                shop_request_errors_total %d
                """.formatted(requests, errors);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
