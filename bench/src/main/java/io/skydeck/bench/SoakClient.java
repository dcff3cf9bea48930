package io.skydeck.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A tenant's client behind a load balancer: each request goes to a random replica, and when the
 * replica dies under it (connection refused or reset) the same request — with the same
 * Idempotency-Key — goes to another one, as a client retrying through a balancer would.
 */
final class SoakClient {
    record Answer(int status, JsonNode body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SoakReplicas replicas;
    private final String bearer;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Duration giveUpAfter;

    SoakClient(SoakReplicas replicas, String bearer, Duration giveUpAfter) {
        this.replicas = replicas;
        this.bearer = bearer;
        this.giveUpAfter = giveUpAfter;
    }

    Answer send(String method, String path, String idempotencyKey, String body) throws InterruptedException {
        Instant deadline = Instant.now().plus(giveUpAfter);
        IOException last = null;
        while (Instant.now().isBefore(deadline)) {
            int replica = ThreadLocalRandom.current().nextInt(replicas.count());
            var request = HttpRequest.newBuilder(URI.create(replicas.url(replica) + path)).timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + bearer)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (idempotencyKey != null) {
                request.header("Idempotency-Key", idempotencyKey);
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 503) {
                    Thread.sleep(200); // a replica still starting
                    continue;
                }
                return new Answer(response.statusCode(), response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body()));
            } catch (IOException e) {
                last = e; // the replica died or is restarting: another one takes the same request
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException(method + " " + path + ": no replica answered within " + giveUpAfter, last);
    }
}
