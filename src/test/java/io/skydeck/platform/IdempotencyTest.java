package io.skydeck.platform;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
class IdempotencyTest {

    @Test
    void aReplayReturnsTheFirstResponseAndCreatesNothingNew() {
        String key = UUID.randomUUID().toString();
        String name = uniqueName("idem");
        Response first = as(Tokens.admin()).header("Idempotency-Key", key).body(Map.of("name", name))
                .post("/v1/tenants").then().statusCode(201).extract().response();
        Response replay = as(Tokens.admin()).header("Idempotency-Key", key).body(Map.of("name", name))
                .post("/v1/tenants").then().statusCode(201).extract().response();

        assertThat(replay.header("Idempotency-Replayed")).isEqualTo("true");
        assertThat(replay.header("Location")).isEqualTo(first.header("Location"));
        assertThat(replay.header("ETag")).isEqualTo(first.header("ETag"));
        assertThat(replay.<String>path("id")).isEqualTo(first.path("id"));
        assertThat(replay.<String>path("createdAt")).isEqualTo(first.path("createdAt"));
        as(Tokens.admin()).queryParam("name", name).get("/v1/tenants").then().body("items.size()", equalTo(1));
    }

    @Test
    void theSameKeyWithADifferentBodyIs422() {
        String key = UUID.randomUUID().toString();
        as(Tokens.admin()).header("Idempotency-Key", key).body(Map.of("name", uniqueName("one")))
                .post("/v1/tenants").then().statusCode(201);
        as(Tokens.admin()).header("Idempotency-Key", key).body(Map.of("name", uniqueName("two")))
                .post("/v1/tenants")
                .then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:skydeck:problem:idempotency-key-reused"));
    }

    @Test
    void aKeyIsScopedToTheCallerAndTheEndpoint() {
        UUID a = createTenant(uniqueName("scope-a"));
        UUID b = createTenant(uniqueName("scope-b"));
        String key = "shared-key-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("purpose", "vm", "amounts", quota(1, 1, 0, 0, 0));
        String fromA = as(Tokens.tenant(a)).header("Idempotency-Key", key).body(body)
                .post("/v1/tenants/" + a + "/quota/reservations").then().statusCode(201).extract().path("id");
        String fromB = as(Tokens.tenant(b)).header("Idempotency-Key", key).body(body)
                .post("/v1/tenants/" + b + "/quota/reservations").then().statusCode(201).extract().path("id");
        assertThat(fromA).isNotEqualTo(fromB);
        // The same caller sending the key to another endpoint is a different request.
        as(Tokens.tenant(a)).header("Idempotency-Key", key).body(Map.of("name", "app"))
                .post("/v1/tenants/" + a + "/projects").then().statusCode(422);
    }

    @Test
    void aFailedRequestDoesNotBurnItsKey() {
        UUID tenant = createTenant(uniqueName("retry"), quota(2, 8, 1, 1, 1));
        String key = UUID.randomUUID().toString();
        Map<String, Object> tooBig = Map.of("purpose", "vm", "amounts", quota(4, 8, 1, 0, 0));
        as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(tooBig)
                .post("/v1/tenants/" + tenant + "/quota/reservations").then().statusCode(409);
        as(Tokens.admin()).body(quota(8, 8, 1, 1, 1)).put("/v1/tenants/" + tenant + "/quota").then().statusCode(200);
        as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(tooBig)
                .post("/v1/tenants/" + tenant + "/quota/reservations").then().statusCode(201);
    }

    @Test
    void aCreateRefusedByQuotaAtTheEndKeepsNoKeyAndNoRows() {
        // The create's quota check goes after its response is queued, with the COMMIT (Appends#transaction): the
        // refusal still comes back as the problem, and rolls back the response, the key and the server with it.
        UUID tenant = createTenant(uniqueName("retrysrv"), quota(1, 8, 1, 0, 0));
        UUID project = io.skydeck.support.Api.createProject(tenant, "apps");
        String key = UUID.randomUUID().toString();
        Map<String, Object> server = Map.of("projectId", project.toString(), "name", "big", "flavor", "m1.large", "image", "debian-12");
        as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(server).post("/v1/servers").then().statusCode(409)
                .body("type", org.hamcrest.Matchers.endsWith("quota-exceeded"));
        as(Tokens.tenant(tenant)).get("/v1/servers").then().statusCode(200).body("items", org.hamcrest.Matchers.empty());
        as(Tokens.admin()).body(quota(8, 32, 1, 0, 0)).put("/v1/tenants/" + tenant + "/quota").then().statusCode(200);
        String id = as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(server).post("/v1/servers").then().statusCode(202)
                .extract().path("resource.id");
        as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(server).post("/v1/servers").then().statusCode(202)
                .header("Idempotency-Replayed", "true").body("resource.id", org.hamcrest.Matchers.equalTo(id));
        as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then().statusCode(200)
                .body("used.vcpu", org.hamcrest.Matchers.equalTo(4)).body("used.servers", org.hamcrest.Matchers.equalTo(1));
    }

    @jakarta.inject.Inject
    io.skydeck.platform.idempotency.IdempotencyRetention retention;

    @jakarta.inject.Inject
    jakarta.persistence.EntityManager em;

    @Test
    void keysOlderThanTheRetentionAreForgottenAndYoungerOnesKept() {
        String old = "old-" + UUID.randomUUID();
        String young = "young-" + UUID.randomUUID();
        as(Tokens.admin()).header("Idempotency-Key", old).body(Map.of("name", uniqueName("old"))).post("/v1/tenants").then().statusCode(201);
        as(Tokens.admin()).header("Idempotency-Key", young).body(Map.of("name", uniqueName("young"))).post("/v1/tenants").then().statusCode(201);
        age(old);

        assertThat(retention.purge()).isGreaterThanOrEqualTo(1);

        // The old key may now name a new request; the young one still replays.
        as(Tokens.admin()).header("Idempotency-Key", old).body(Map.of("name", uniqueName("reused"))).post("/v1/tenants")
                .then().statusCode(201).header("Idempotency-Replayed", (String) null);
        as(Tokens.admin()).header("Idempotency-Key", young).body(Map.of("name", uniqueName("other"))).post("/v1/tenants")
                .then().statusCode(422);
    }

    @jakarta.transaction.Transactional
    void age(String key) {
        em.createNativeQuery("UPDATE idempotency_record SET created_at = created_at - interval '2 days' WHERE idem_key = ?1")
                .setParameter(1, key).executeUpdate();
    }

    @Test
    void concurrentDuplicatesCreateExactlyOneThing() throws Exception {
        String key = UUID.randomUUID().toString();
        String name = uniqueName("race");
        int threads = 32;
        List<String> ids = new ArrayList<>();
        for (Response response : concurrently(threads,
                () -> as(Tokens.admin()).header("Idempotency-Key", key).body(Map.of("name", name)).post("/v1/tenants"))) {
            assertThat(response.statusCode()).isEqualTo(201);
            ids.add(response.path("id"));
        }
        assertThat(ids).hasSize(threads).containsOnly(ids.get(0));
        as(Tokens.admin()).queryParam("name", name).get("/v1/tenants").then().body("items.size()", equalTo(1));
        as(Tokens.admin()).queryParam("targetId", ids.get(0)).queryParam("action", "tenant.created").get("/v1/audit")
                .then().body("items.size()", equalTo(1));
    }

    @Test
    void concurrentDuplicateServerCreatesMakeOneServerWhoseKeyIsClaimedAtTheCommit() throws Exception {
        // POST /v1/servers claims its key in its last round trip: every duplicate does the work, waits there for the first,
        // rolls its own back and replays the first's response.
        UUID tenant = createTenant(uniqueName("racesrv"), quota(64, 256, 16, 0, 0));
        UUID project = io.skydeck.support.Api.createProject(tenant, "apps");
        String key = UUID.randomUUID().toString();
        Map<String, Object> server = Map.of("projectId", project.toString(), "name", "once", "flavor", "m1.small", "image", "debian-12");
        int threads = 8;
        List<String> ids = new ArrayList<>();
        int replayed = 0;
        for (Response response : concurrently(threads,
                () -> as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(server).post("/v1/servers"))) {
            assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
            ids.add(response.path("resource.id"));
            replayed += "true".equals(response.header("Idempotency-Replayed")) ? 1 : 0;
        }
        assertThat(ids).hasSize(threads).containsOnly(ids.get(0));
        assertThat(replayed).isEqualTo(threads - 1);
        as(Tokens.tenant(tenant)).get("/v1/servers").then().body("items.size()", equalTo(1));
        as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then().body("used.servers", equalTo(1)).body("used.vcpu", equalTo(1));
        as(Tokens.admin()).queryParam("targetId", ids.get(0)).queryParam("action", "server.requested").get("/v1/audit")
                .then().body("items.size()", equalTo(1));

        // The same key with another body is refused, and makes nothing.
        Map<String, Object> other = Map.of("projectId", project.toString(), "name", "other", "flavor", "m1.small", "image", "debian-12");
        as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(other).post("/v1/servers").then().statusCode(422);
        as(Tokens.tenant(tenant)).get("/v1/servers").then().body("items.size()", equalTo(1));
    }

    @Test
    void aServerCreateReplayedAfterItsWorkWouldFailStillGetsTheFirstResponse() {
        // The duplicate's own work fails before its claim is sent (the tenant is suspended now): the key, found taken, replays.
        UUID tenant = createTenant(uniqueName("replaysus"), quota(8, 32, 4, 0, 0));
        UUID project = io.skydeck.support.Api.createProject(tenant, "apps");
        String key = UUID.randomUUID().toString();
        Map<String, Object> server = Map.of("projectId", project.toString(), "name", "kept", "flavor", "m1.small", "image", "debian-12");
        String id = as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(server).post("/v1/servers").then().statusCode(202)
                .extract().path("resource.id");
        as(Tokens.admin()).body(Map.of("status", "SUSPENDED")).patch("/v1/tenants/" + tenant).then().statusCode(200);
        as(Tokens.tenant(tenant)).header("Idempotency-Key", key).body(server).post("/v1/servers").then().statusCode(202)
                .header("Idempotency-Replayed", "true").body("resource.id", equalTo(id));
        // A new key gets the failure itself, and stays free.
        String fresh = UUID.randomUUID().toString();
        as(Tokens.tenant(tenant)).header("Idempotency-Key", fresh).body(server).post("/v1/servers").then().statusCode(409);
        as(Tokens.admin()).body(Map.of("status", "ACTIVE")).patch("/v1/tenants/" + tenant).then().statusCode(200);
        as(Tokens.tenant(tenant)).header("Idempotency-Key", fresh).body(server).post("/v1/servers").then().statusCode(202)
                .header("Idempotency-Replayed", (String) null);
    }

    /** Sends {@code threads} copies of {@code request} at once (released together) and answers their responses. */
    private static List<Response> concurrently(int threads, java.util.concurrent.Callable<Response> request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Response>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return request.call();
                }));
            }
            start.countDown();
            List<Response> responses = new ArrayList<>();
            for (Future<Response> result : results) {
                responses.add(result.get(60, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            pool.shutdown();
        }
    }
}
