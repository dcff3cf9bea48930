package io.skydeck.release;

import io.restassured.response.Response;
import io.skydeck.support.Tokens;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;

/** A tenant with servers, and the calls a release test makes through the API. */
final class ReleaseFixtures {

    final UUID tenant;
    final String token;
    final List<UUID> servers = new ArrayList<>();
    final List<String> providerIds = new ArrayList<>();

    ReleaseFixtures(int servers) {
        tenant = createTenant(uniqueName("rel"), quota(64, 256, servers + 2, 0, 0));
        UUID project = createProject(tenant, "rel");
        token = Tokens.tenant(tenant);
        List<String> operations = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            Response accepted = as(token).body(Map.of("projectId", project.toString(), "name", "web-" + i, "flavor", "m1.tiny",
                    "image", "debian-12", "hints", Map.of("region", "sbx-east-1"))).post("/v1/servers")
                    .then().statusCode(202).extract().response();
            this.servers.add(UUID.fromString(accepted.path("resource.id")));
            operations.add(accepted.path("operation.id"));
        }
        for (int i = 0; i < servers; i++) {
            if (!"SUCCEEDED".equals(awaitFinished(token, operations.get(i)).path("state"))) {
                throw new AssertionError("server " + i + " was not built");
            }
            providerIds.add(as(token).get("/v1/servers/" + this.servers.get(i)).then().statusCode(200).extract().path("providerServerId"));
        }
    }

    String application() {
        return as(token).body(Map.of("name", uniqueName("shop"))).post("/v1/applications").then().statusCode(201).extract().path("id");
    }

    String group(String app, int count, String trafficTarget) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", uniqueName("web"));
        body.put("serverIds", servers.subList(0, count).stream().map(UUID::toString).toList());
        if (trafficTarget != null) {
            body.put("trafficTarget", trafficTarget);
        }
        return as(token).body(body).post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
    }

    /** A group of the servers at {@code positions}, in that order (a blue or a green group of a two-group release). */
    String groupOf(String app, String trafficTarget, int... positions) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", uniqueName("web"));
        List<String> ids = new ArrayList<>();
        for (int p : positions) {
            ids.add(servers.get(p).toString());
        }
        body.put("serverIds", ids);
        if (trafficTarget != null) {
            body.put("trafficTarget", trafficTarget);
        }
        return as(token).body(body).post("/v1/applications/" + app + "/groups").then().statusCode(201).extract().path("id");
    }

    String version(String app, String name) {
        return as(token).body(Map.of("name", name, "packageUrl", "https://packages.example/shop-" + name + ".tar.gz",
                        "sha256", sha(name), "image", "shop:" + name))
                .post("/v1/applications/" + app + "/versions").then().statusCode(201).extract().path("id");
    }

    static String sha(String name) {
        return String.format("%064x", new java.math.BigInteger(1, name.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    Set<String> providerIdsAt(int... positions) {
        Set<String> ids = new java.util.HashSet<>();
        for (int p : positions) {
            ids.add(providerIds.get(p));
        }
        return ids;
    }

    Response release(Map<String, Object> body) {
        return as(token).body(body).post("/v1/releases").then().extract().response();
    }

    /** Polls the release until its state is one of {@code states}; fails after 30 s. */
    Response awaitState(String release, String... states) {
        Set<String> wanted = Set.of(states);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Response r = as(token).get("/v1/releases/" + release).then().statusCode(200).extract().response();
            if (wanted.contains(r.<String>path("state")) && r.<List<String>>path("instances.step").stream().allMatch(s -> s == null)) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("release " + release + " did not reach " + wanted + " in 30 s: " + r.asString());
            }
            sleep(50);
        }
    }

    List<Map<String, Object>> events(String release) {
        return as(token).queryParam("limit", 500).get("/v1/releases/" + release + "/events").then().statusCode(200)
                .extract().path("items");
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
