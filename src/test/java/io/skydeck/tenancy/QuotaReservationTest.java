package io.skydeck.tenancy;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
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
class QuotaReservationTest {

    @Inject
    EntityManager em;

    @Test
    void thirtyTwoConcurrentReservationsNeverOverAllocate() throws Exception {
        // Limit 64 vCPU, 32 requests of 3 vCPU (96 in all): 21 fit (63), 11 must be refused.
        UUID tenant = createTenant(uniqueName("race"), quota(64, 1000, 1000, 1000, 1000));
        int threads = 32;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> results = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                start.await();
                return as(Tokens.tenant(tenant))
                        .body(Map.of("purpose", "vm-" + n, "amounts", quota(3, 4, 1, 0, 0)))
                        .post("/v1/tenants/" + tenant + "/quota/reservations");
            }));
        }
        start.countDown();
        int granted = 0;
        int refused = 0;
        for (Future<Response> result : results) {
            Response response = result.get(60, TimeUnit.SECONDS);
            if (response.statusCode() == 201) {
                granted++;
            } else {
                assertThat(response.statusCode()).isEqualTo(409);
                assertThat(response.<String>path("type")).isEqualTo("urn:skydeck:problem:quota-exceeded");
                assertThat(response.<String>path("errors[0].field")).isEqualTo("vcpu");
                refused++;
            }
        }
        pool.shutdown();

        assertThat(granted).isEqualTo(21);
        assertThat(refused).isEqualTo(11);
        as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota")
                .then().statusCode(200)
                .body("used.vcpu", equalTo(63)).body("used.memoryGib", equalTo(84)).body("used.servers", equalTo(21))
                .body("available.vcpu", equalTo(1));
        // The counters agree with the reservations actually held, row by row in the database.
        Number held = (Number) em.createNativeQuery(
                        "SELECT coalesce(sum(vcpu), 0) FROM quota_reservation WHERE tenant_id = ?1 AND state = 'HELD'")
                .setParameter(1, tenant).getSingleResult();
        assertThat(held.longValue()).isEqualTo(63);
    }

    @Test
    void aRefusalNamesTheResourceAndRollsBackWhatItHadTaken() {
        // vcpu fits (2 of 4) but servers does not (limit 0): nothing may stay reserved.
        UUID tenant = createTenant(uniqueName("partial"), quota(4, 16, 0, 1, 1));
        as(Tokens.tenant(tenant)).body(Map.of("purpose", "vm", "amounts", quota(2, 4, 1, 0, 0)))
                .post("/v1/tenants/" + tenant + "/quota/reservations")
                .then().statusCode(409)
                .body("errors[0].field", equalTo("servers"))
                .body("errors[0].message", equalTo("requested 1, 0 of 0 in use"));
        as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota")
                .then().body("used.vcpu", equalTo(0)).body("used.memoryGib", equalTo(0));
    }

    @Test
    void releasingGivesQuotaBackOnce() {
        UUID tenant = createTenant(uniqueName("release"), quota(4, 16, 2, 1, 1));
        String id = as(Tokens.tenant(tenant)).body(Map.of("purpose", "vm", "amounts", quota(4, 16, 1, 0, 0)))
                .post("/v1/tenants/" + tenant + "/quota/reservations")
                .then().statusCode(201).body("state", equalTo("HELD")).extract().path("id");
        as(Tokens.tenant(tenant)).body(Map.of("purpose", "vm2", "amounts", quota(1, 1, 1, 0, 0)))
                .post("/v1/tenants/" + tenant + "/quota/reservations").then().statusCode(409);

        String path = "/v1/tenants/" + tenant + "/quota/reservations/" + id;
        as(Tokens.tenant(tenant)).delete(path).then().statusCode(200).body("state", equalTo("RELEASED"));
        as(Tokens.tenant(tenant)).delete(path).then().statusCode(200).body("state", equalTo("RELEASED"));

        as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota")
                .then().body("used.vcpu", equalTo(0)).body("used.memoryGib", equalTo(0)).body("used.servers", equalTo(0));
        as(Tokens.tenant(tenant)).queryParam("state", "RELEASED").get("/v1/tenants/" + tenant + "/quota/reservations")
                .then().body("items.id", equalTo(List.of(id)));
    }

    @Test
    void quotaLimitsHonourIfMatch() {
        UUID tenant = createTenant(uniqueName("limits"));
        String etag = as(Tokens.admin()).get("/v1/tenants/" + tenant + "/quota").then().extract().header("ETag");
        as(Tokens.admin()).header("If-Match", etag).body(quota(8, 32, 4, 4, 2)).put("/v1/tenants/" + tenant + "/quota")
                .then().statusCode(200).body("limits.vcpu", equalTo(8));
        as(Tokens.admin()).header("If-Match", etag).body(quota(16, 32, 4, 4, 2)).put("/v1/tenants/" + tenant + "/quota")
                .then().statusCode(412);
        as(Tokens.admin()).get("/v1/tenants/" + tenant + "/quota").then().body("limits.vcpu", equalTo(8));
    }
}
