package io.skydeck.capacity;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.response.Response;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * Workloads and resizes go through the placement ledger too. "Another replica" is, as in
 * {@link PlacementLedgerTest}, rows committed straight into the database that the provider has not
 * seen yet — so the pools and this replica's engine still report room that the ledger knows is gone.
 */
@QuarkusTest
class WorkloadAndResizeLedgerTest {

    // Each sandbox region has two container pools of 16 cores, 64 GiB and 110 pods: 32,000m in all.
    static final long REGION_CPU_MILLIS = 32_000;

    @Inject
    EntityManager em;

    @Inject
    PlacementService placement;

    @Inject
    PoolLedger poolLedger;

    final List<UUID> foreignWorkloads = new CopyOnWriteArrayList<>();
    final List<UUID> foreignServers = new CopyOnWriteArrayList<>();
    UUID tenant;
    UUID project;
    String token;

    @BeforeEach
    void aTenant() {
        tenant = createTenant(uniqueName("pools"), quota(64, 256, 10, 10, 2));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    @AfterEach
    void forgetTheOtherReplicasResources() {
        QuarkusTransaction.requiringNew().run(() -> {
            foreignWorkloads.forEach(id -> em.createNativeQuery("UPDATE workload SET status = 'DELETED', deleted_at = now() WHERE id = ?1")
                    .setParameter(1, id).executeUpdate());
            foreignServers.forEach(id -> em.createNativeQuery("UPDATE server SET status = 'DELETED', deleted_at = now() WHERE id = ?1")
                    .setParameter(1, id).executeUpdate());
        });
        placement.sync();
    }

    @Test
    void aPoolAnotherReplicaFilledRefusesTheWorkloadAndKeepsNoQuota() {
        // Another replica's workloads take 30 of the 32 cores of both regions; the sandbox has not started them.
        foreignWorkload("sbx-east-1", 30_000);
        foreignWorkload("sbx-west-1", 30_000);

        // 2 x 2000m = 4 cores: the pools report room, the ledger has 2 cores left in each region.
        as(token).body(workload("api", 2, 2_000)).post("/v1/workloads").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("full"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.workloads", equalTo(0));

        // 1 x 2000m fits the 2 cores left.
        Response accepted = as(token).body(workload("small", 1, 2_000)).post("/v1/workloads").then().statusCode(202)
                .extract().response();
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
    }

    @Test
    void aScaleIsHeldInThePoolAndOneThePoolCannotHoldIsRefused() {
        Map<String, Object> body = workload("web", 1, 2_000);
        body.put("hints", Map.of("region", "sbx-east-1"));
        Response created = as(token).body(body).post("/v1/workloads").then().statusCode(202).extract().response();
        awaitFinished(token, created.path("operation.id"));
        String id = created.path("resource.id");
        // What else there is in the region: 28 of the 32 cores, so this workload may grow to 2 replicas.
        foreignWorkload("sbx-east-1", REGION_CPU_MILLIS - 4_000 - otherLiveCpuMillis("sbx-east-1", UUID.fromString(id)));

        Response grown = as(token).body(Map.of("replicas", 2)).post("/v1/workloads/" + id + "/scale").then().statusCode(202)
                .extract().response();
        assertThat(heldReplicasOrReplicas(id)).as("held from the request on").isEqualTo(2);
        awaitFinished(token, grown.path("operation.id"));

        as(token).body(Map.of("replicas", 3)).post("/v1/workloads/" + id + "/scale").then().statusCode(409)
                .body("detail", containsString("full"));
        as(token).get("/v1/workloads/" + id).then().body("replicas", equalTo(2)).body("status", equalTo("RUNNING"));
    }

    @Test
    void aWorkloadGoesOnlyToProvidersOnTheTenantsAllowList() {
        as(Tokens.admin()).body(Map.of("allowedProviders", List.of("openstack-fra"))).patch("/v1/tenants/" + tenant)
                .then().statusCode(200);
        as(token).body(workload("api", 1, 500)).post("/v1/workloads").then().statusCode(409)
                .body("errors.field", org.hamcrest.Matchers.hasItem("placement.allow-list"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.workloads", equalTo(0));
    }

    @Test
    void aResizeIsRecheckedOnItsHostAgainstEveryReplicasServers() {
        Response created = as(token).body(Map.of("projectId", project.toString(), "name", "grow", "flavor", "m1.small",
                "image", "debian-12")).post("/v1/servers").then().statusCode(202).extract().response();
        awaitFinished(token, created.path("operation.id"));
        UUID id = UUID.fromString(created.path("resource.id"));
        // Another replica fills the host to the last vCPU; this replica's engine has not seen it.
        Object[] host = hostOf(id);
        UUID other = foreignServer(host, freeVcpuOn(host));

        as(token).body(Map.of("action", "resize", "flavor", "m1.medium")).post("/v1/servers/" + id + "/actions")
                .then().statusCode(409).body("detail", containsString("filled by another placement"));
        as(token).get("/v1/servers/" + id).then().body("status", equalTo("ACTIVE")).body("flavor", equalTo("m1.small"));
        as(token).get("/v1/tenants/" + tenant + "/quota").then().body("used.vcpu", equalTo(1));

        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("UPDATE server SET vcpu = vcpu - 1 WHERE id = ?1")
                .setParameter(1, other).executeUpdate());
        Response resized = as(token).body(Map.of("action", "resize", "flavor", "m1.medium"))
                .post("/v1/servers/" + id + "/actions").then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, resized.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        as(token).get("/v1/servers/" + id).then().body("flavor", equalTo("m1.medium"));
    }

    @Test
    void twoTransactionsRacingForAPoolsLastRoomAdmitOne() throws Exception {
        String region = "sbx-west-1";
        ContainerResources all = new ContainerResources(REGION_CPU_MILLIS, 131_072, 220);
        poolLedger.record(List.of(new PoolLedger.PoolReading("sandbox", region, all, all)));
        // 4 cores left in the region; each racer wants 3.
        foreignWorkload(region, REGION_CPU_MILLIS - 4_000 - otherLiveCpuMillis(region, new UUID(0, 0)));
        ContainerResources three = new ContainerResources(3_000, 256, 1);
        CountDownLatch firstHoldsTheLock = new CountDownLatch(1);

        CompletableFuture<Optional<String>> first = CompletableFuture.supplyAsync(() -> QuarkusTransaction.requiringNew()
                .call(() -> {
                    Optional<String> verdict = poolLedger.admit("sandbox", region, Optional.empty(), three);
                    foreignWorkload(region, 3_000, false);
                    firstHoldsTheLock.countDown();
                    sleep(300);
                    return verdict;
                }));
        assertThat(firstHoldsTheLock.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Optional<String>> second = CompletableFuture.supplyAsync(() -> QuarkusTransaction.requiringNew()
                .call(() -> poolLedger.admit("sandbox", region, Optional.empty(), three)));

        assertThat(first.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(second.get(10, TimeUnit.SECONDS)).as("waited for the first, then saw its workload").isPresent();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Map<String, Object> workload(String name, int replicas, long cpuMillis) {
        Map<String, Object> body = new HashMap<>();
        body.put("projectId", project.toString());
        body.put("name", name);
        body.put("image", "registry.example/shop:1.4");
        body.put("kind", "Deployment");
        body.put("replicas", replicas);
        body.put("cpuMillis", cpuMillis);
        body.put("memoryMib", 256);
        return body;
    }

    private void foreignWorkload(String region, long cpuMillis) {
        foreignWorkload(region, cpuMillis, true);
    }

    /** Another replica's workload; {@code ownTransaction} false writes it in the caller's. */
    private void foreignWorkload(String region, long cpuMillis, boolean ownTransaction) {
        UUID id = UUID.randomUUID();
        Runnable insert = () -> em.createNativeQuery("""
                        INSERT INTO workload (id, tenant_id, project_id, name, kind, image, replicas, cpu_millis, memory_mib,
                            provider, region, status, created_at, updated_at, version)
                        VALUES (?1, ?2, ?3, ?4, 'DEPLOYMENT', 'other:1', 1, ?5, 256, 'sandbox', ?6, 'CREATING', ?7, ?7, 0)""")
                .setParameter(1, id).setParameter(2, tenant).setParameter(3, project).setParameter(4, "other-" + id)
                .setParameter(5, cpuMillis).setParameter(6, region).setParameter(7, OffsetDateTime.now())
                .executeUpdate();
        if (ownTransaction) {
            QuarkusTransaction.requiringNew().run(insert);
        } else {
            insert.run();
        }
        foreignWorkloads.add(id);
    }

    private long otherLiveCpuMillis(String region, UUID except) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery("""
                        SELECT coalesce(sum(cpu_millis * replicas), 0) FROM workload
                        WHERE provider = 'sandbox' AND region = ?1 AND status NOT IN ('DELETED', 'FAILED') AND id <> ?2""")
                .setParameter(1, region).setParameter(2, except).getSingleResult()).longValue());
    }

    private int heldReplicasOrReplicas(String id) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT coalesce(held_replicas, replicas) FROM workload WHERE id = ?1")
                .setParameter(1, UUID.fromString(id)).getSingleResult()).intValue());
    }

    private Object[] hostOf(UUID server) {
        return QuarkusTransaction.requiringNew().call(() -> (Object[]) em.createNativeQuery(
                "SELECT provider, region, zone, host FROM server WHERE id = ?1").setParameter(1, server).getSingleResult());
    }

    private int freeVcpuOn(Object[] host) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery("""
                        SELECT h.capacity_vcpu - h.others_vcpu - (SELECT coalesce(sum(vcpu), 0) FROM server s
                            WHERE (s.provider, s.region, s.zone, s.host) = (h.provider, h.region, h.zone, h.host)
                              AND s.status NOT IN ('DELETED', 'FAILED'))
                        FROM placement_host h WHERE (provider, region, zone, host) = (?1, ?2, ?3, ?4)""")
                .setParameter(1, host[0]).setParameter(2, host[1]).setParameter(3, host[2]).setParameter(4, host[3])
                .getSingleResult()).intValue());
    }

    private UUID foreignServer(Object[] host, int vcpu) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                        INSERT INTO server (id, tenant_id, project_id, name, flavor, image, provider, region, zone, host, status,
                            vcpu, memory_mib, gpu, created_at, updated_at, version)
                        VALUES (?1, ?2, ?3, ?4, 'm1.large', 'debian-12', ?5, ?6, ?7, ?8, 'BUILDING', ?9, 1024, 0, ?10, ?10, 0)""")
                .setParameter(1, id).setParameter(2, tenant).setParameter(3, project).setParameter(4, "other-" + id)
                .setParameter(5, host[0]).setParameter(6, host[1]).setParameter(7, host[2]).setParameter(8, host[3])
                .setParameter(9, vcpu).setParameter(10, OffsetDateTime.now())
                .executeUpdate());
        foreignServers.add(id);
        return id;
    }
}
