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
import java.util.Random;
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

/**
 * A tenant's usage is kept in shares (V60) so that its creates do not all queue on one row; seen
 * from the API it must behave exactly as one counter would: every charge the limit allows is
 * granted (no share's lack of room refuses one), none it does not is, a lowered limit holds.
 */
@QuarkusTest
class QuotaSharesTest {

    @Inject
    EntityManager em;

    @Test
    void sharedUsageGrantsAndRefusesExactlyAsOneCounterWould() {
        // A random walk of reservations (1-3 servers), releases and limit changes (some below what is in use),
        // each answer checked against a plain counter: small limits make the shares run dry and spread again often.
        UUID tenant = createTenant(uniqueName("shares"), quota(1000, 1000, 12, 10, 10));
        Random random = new Random(20261204L);
        long limit = 12;
        long used = 0;
        List<String[]> held = new ArrayList<>();
        for (int step = 0; step < 300; step++) {
            int dice = random.nextInt(10);
            if (dice < 6) {
                long n = 1 + random.nextInt(3);
                Response r = reserve(tenant, "walk-" + step, n);
                boolean fits = used + n <= limit;
                assertThat(r.statusCode()).as("step %d: %d more servers with %d of %d in use", step, n, used, limit)
                        .isEqualTo(fits ? 201 : 409);
                if (fits) {
                    used += n;
                    held.add(new String[] {r.path("id"), Long.toString(n)});
                } else {
                    assertThat(r.<String>path("errors[0].message")).isEqualTo("requested " + n + ", " + used + " of " + limit + " in use");
                }
            } else if (dice < 9 && !held.isEmpty()) {
                String[] release = held.remove(random.nextInt(held.size()));
                as(Tokens.tenant(tenant)).delete("/v1/tenants/" + tenant + "/quota/reservations/" + release[0]).then().statusCode(200);
                used -= Long.parseLong(release[1]);
            } else {
                limit = random.nextInt(16);
                as(Tokens.admin()).body(quota(1000, 1000, limit, 10, 10)).put("/v1/tenants/" + tenant + "/quota").then().statusCode(200);
            }
            assertThat(usedServers(tenant)).as("step %d", step).isEqualTo(used);
            assertShares(tenant, limit);
        }
    }

    @Test
    void aLimitLoweredBelowUsageRefusesUntilReleasesBringUsageUnderIt() {
        UUID tenant = createTenant(uniqueName("clamp"), quota(1000, 1000, 8, 10, 10));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(reserve(tenant, "vm-" + i, 1).then().statusCode(201).extract().path("id"));
        }
        as(Tokens.admin()).body(quota(1000, 1000, 3, 10, 10)).put("/v1/tenants/" + tenant + "/quota").then().statusCode(200);
        assertShares(tenant, 3);
        for (int released = 0; released < 5; released++) {
            // 8 - released in use: one more fits only once that is below 3.
            assertThat(reserve(tenant, "over-" + released, 1).statusCode()).as("%d released", released).isEqualTo(409);
            as(Tokens.tenant(tenant)).delete("/v1/tenants/" + tenant + "/quota/reservations/" + ids.get(released)).then().statusCode(200);
            assertShares(tenant, 3);
        }
        assertThat(usedServers(tenant)).isEqualTo(3);
        assertThat(reserve(tenant, "at-limit", 1).statusCode()).isEqualTo(409);
        as(Tokens.tenant(tenant)).delete("/v1/tenants/" + tenant + "/quota/reservations/" + ids.get(5)).then().statusCode(200);
        assertThat(reserve(tenant, "fits-again", 1).statusCode()).isEqualTo(201);
        assertThat(reserve(tenant, "over-again", 1).statusCode()).isEqualTo(409);
        assertThat(usedServers(tenant)).isEqualTo(3);
        assertShares(tenant, 3);
    }

    @Test
    void concurrentChargesOfOneTenantSpreadOverSharesAndNeverPassTheLimit() throws Exception {
        // 48 reservations of one server at once, three rounds, onto a limit of 20: exactly 20 each round, whatever share
        // each picked; every other answer a quota refusal (no deadlock, no error), and the usage spread over shares.
        UUID tenant = createTenant(uniqueName("shares-race"), quota(1000, 1000, 20, 10, 10));
        ExecutorService pool = Executors.newFixedThreadPool(48);
        try {
            for (int round = 0; round < 3; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Response>> answers = new ArrayList<>();
                for (int i = 0; i < 48; i++) {
                    String purpose = "r" + round + "-" + i;
                    answers.add(pool.submit(() -> {
                        start.await();
                        return reserve(tenant, purpose, 1);
                    }));
                }
                start.countDown();
                List<String> granted = new ArrayList<>();
                for (Future<Response> answer : answers) {
                    Response r = answer.get(60, TimeUnit.SECONDS);
                    assertThat(r.statusCode()).as(r.asString()).isIn(201, 409);
                    if (r.statusCode() == 201) {
                        granted.add(r.path("id"));
                    } else {
                        assertThat(r.<String>path("type")).isEqualTo("urn:skydeck:problem:quota-exceeded");
                    }
                }
                assertThat(granted).as("round %d", round).hasSize(20);
                assertThat(usedServers(tenant)).isEqualTo(20);
                assertShares(tenant, 20);
                Number sharesUsed = (Number) em.createNativeQuery("SELECT count(*) FROM quota_share WHERE tenant_id = ?1"
                        + " AND resource = 'servers' AND used > 0").setParameter(1, tenant).getSingleResult();
                assertThat(sharesUsed.intValue()).as("shares holding some of the 20").isGreaterThan(1);
                for (String id : granted) {
                    as(Tokens.tenant(tenant)).delete("/v1/tenants/" + tenant + "/quota/reservations/" + id).then().statusCode(200);
                }
                assertThat(usedServers(tenant)).isZero();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Response reserve(UUID tenant, String purpose, long servers) {
        return as(Tokens.tenant(tenant)).body(Map.of("purpose", purpose, "amounts", quota(0, 0, servers, 0, 0)))
                .post("/v1/tenants/" + tenant + "/quota/reservations");
    }

    private static long usedServers(UUID tenant) {
        return as(Tokens.tenant(tenant)).get("/v1/tenants/" + tenant + "/quota").then().statusCode(200)
                .extract().<Number>path("used.servers").longValue();
    }

    /**
     * What V60 keeps true of a resource's shares: none holds more than its room, each holds what its
     * held reservations took, and their rooms add up to the limit — or, clamped since the limit was
     * lowered below usage (until a charge or a limit change finds room again), each room is its usage.
     */
    private void assertShares(UUID tenant, long limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> shares = em.createNativeQuery("""
                SELECT s.share, s.room, s.used, s.clamped,
                       (SELECT coalesce(sum(r.servers), 0) FROM quota_reservation r
                         WHERE r.tenant_id = s.tenant_id AND r.state = 'HELD' AND coalesce(r.share, 0) = s.share)
                FROM quota_share s WHERE s.tenant_id = ?1 AND s.resource = 'servers' ORDER BY s.share""")
                .setParameter(1, tenant).getResultList();
        assertThat(shares).hasSize(QuotaService.SHARES);
        long rooms = 0;
        long used = 0;
        boolean clamped = false;
        for (Object[] s : shares) {
            long room = ((Number) s[1]).longValue();
            long shareUsed = ((Number) s[2]).longValue();
            assertThat(shareUsed).as("share %s: used within room", s[0]).isLessThanOrEqualTo(room);
            assertThat(shareUsed).as("share %s: what its held reservations took", s[0]).isEqualTo(((Number) s[4]).longValue());
            if ((Boolean) s[3]) {
                clamped = true;
                assertThat(room).as("clamped share %s", s[0]).isEqualTo(shareUsed);
            }
            rooms += room;
            used += shareUsed;
        }
        assertThat(rooms).as("rooms of the shares (clamped: %s)", clamped).isEqualTo(clamped ? used : limit);
    }
}
