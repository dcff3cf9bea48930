package io.skydeck.capacity;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementHints;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.Resources;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.support.Tokens;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger in PostgreSQL, not a replica's engine, decides capacity. "Another replica" here is
 * what one looks like from this one: servers committed straight into the database, which this
 * replica's engine has not seen (tests sync by hand).
 */
@QuarkusTest
class PlacementLedgerTest {

    @Inject
    PlacementService placement;

    @Inject
    CapacityLedger ledger;

    @Inject
    io.skydeck.platform.appends.Appends appends;

    @Inject
    EntityManager em;

    @Inject
    TenantChanges changes;

    @Inject
    MeterRegistry registry;

    private final List<UUID> foreign = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void forgetTheOtherReplicasServers() {
        QuarkusTransaction.requiringNew().run(() -> foreign.forEach(id ->
                em.createNativeQuery("UPDATE server SET status = 'DELETED', deleted_at = now() WHERE id = ?1")
                        .setParameter(1, id).executeUpdate()));
        placement.sync();
    }

    @Test
    void aHostAnotherReplicaFilledIsRefusedByTheLedgerAndTheServerLandsOnAnother() {
        UUID tenant = createTenant(uniqueName("ledger"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        PlacementTarget wanted = preview(tenant, PlacementHints.none().inRegion("sbx-west-1"));
        Resources room = roomOn(wanted);
        commitAsAnotherReplica(tenant, project, wanted, room, null);

        String host = create(tenant, project, "web-1", Map.of("region", "sbx-west-1"));

        assertThat(host).isNotEqualTo(wanted.hostId());
        assertThat(roomOn(wanted)).isEqualTo(new Resources(0, 0, 0));
    }

    @Test
    void anAntiAffinityMemberAnotherReplicaPlacedKeepsTheNextMemberOffItsHost() {
        UUID tenant = createTenant(uniqueName("ledger-anti"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        PlacementHints hints = PlacementHints.none().inRegion("sbx-east-1").withAntiAffinityGroup("db");
        PlacementTarget wanted = preview(tenant, hints);
        commitAsAnotherReplica(tenant, project, wanted, Resources.of(1, 2_048), "db");

        String host = create(tenant, project, "db-2", Map.of("region", "sbx-east-1", "antiAffinityGroup", "db"));

        assertThat(host).isNotEqualTo(wanted.hostId());
    }

    @Test
    void twoTransactionsRacingForTheLastRoomOnAHostCommitOnlyOne() throws Exception {
        UUID tenant = createTenant(uniqueName("ledger-race"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        PlacementTarget host = preview(tenant, PlacementHints.none().inRegion("sbx-west-1"));
        Resources room = roomOn(host);
        // Leave exactly one m1.large (4 vCPU, 8 GiB) of room.
        commitAsAnotherReplica(tenant, project, host, new Resources(room.vcpu() - 4, room.memoryMib() - 8_192, 0), null);
        CountDownLatch firstHoldsTheLock = new CountDownLatch(1);

        CompletableFuture<Optional<String>> first = CompletableFuture.supplyAsync(() -> QuarkusTransaction.requiringNew()
                .call(() -> {
                    UUID id = UUID.randomUUID();
                    // The host's check sent now: its lock is held from here.
                    Optional<String> verdict = admitNow(request(id, tenant, Resources.of(4, 8_192)), host);
                    insertServer(id, tenant, project, host, Resources.of(4, 8_192), null);
                    firstHoldsTheLock.countDown();
                    Thread.sleep(500); // the second is queued on the host's row meanwhile
                    return verdict;
                }));
        assertThat(firstHoldsTheLock.await(10, TimeUnit.SECONDS)).isTrue();
        Optional<String> second;
        try {
            second = QuarkusTransaction.requiringNew().call(() -> admitNow(request(UUID.randomUUID(), tenant, Resources.of(4, 8_192)), host));
        } catch (IllegalStateException refused) {
            second = Optional.of(refused.getMessage());
        }

        assertThat(first.get(10, TimeUnit.SECONDS)).isEmpty();
        assertThat(second).hasValueSatisfying(reason -> assertThat(reason).contains("filled by another placement"));
    }

    /** The ledger's verdict on the placement, its check sent at once: empty when admitted; PostgreSQL's refusal is thrown. */
    private Optional<String> admitNow(PlacementRequest request, PlacementTarget host) {
        Optional<String> refused = ledger.admit(request, host, IllegalStateException::new);
        appends.write();
        return refused;
    }

    @Test
    void syncHoldsWhatOtherReplicasCommittedAndReleasesWhatTheyDeleted() {
        UUID tenant = createTenant(uniqueName("ledger-sync"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        PlacementTarget host = preview(tenant, PlacementHints.none().inRegion("sbx-west-1"));
        int freeBefore = zoneFreeVcpu(host);
        UUID other = commitAsAnotherReplica(tenant, project, host, Resources.of(3, 1_024), null);

        placement.sync();
        int whileHeld = zoneFreeVcpu(host);
        QuarkusTransaction.requiringNew().run(() ->
                em.createNativeQuery("UPDATE server SET status = 'DELETED' WHERE id = ?1").setParameter(1, other).executeUpdate());
        placement.sync();

        assertThat(whileHeld).isEqualTo(freeBefore - 3);
        assertThat(zoneFreeVcpu(host)).isEqualTo(freeBefore);
    }

    @Test
    void theSyncReadsOnlyTheServerRowsThatChangedSinceTheLastOne() {
        UUID tenant = createTenant(uniqueName("ledger-catch-up"), quota(64, 256, 32, 0, 0));
        UUID project = createProject(tenant, "apps");
        PlacementTarget host = preview(tenant, PlacementHints.none().inRegion("sbx-west-1"));
        for (int i = 0; i < 20; i++) {
            commitAsAnotherReplica(tenant, project, host, Resources.of(0, 1), null);
        }
        placement.sync();
        double everyBefore = rowsRead("every_live_server");
        double changedBefore = rowsRead("changed_servers");
        int freeBefore = zoneFreeVcpu(host);

        UUID other = commitAsAnotherReplica(tenant, project, host, Resources.of(3, 1_024), null);
        awaitTrue(() -> catchUp() && zoneFreeVcpu(host) == freeBefore - 3, "the catch-up holds the other replica's new server");
        QuarkusTransaction.requiringNew().run(() ->
                em.createNativeQuery("UPDATE server SET status = 'DELETED' WHERE id = ?1").setParameter(1, other).executeUpdate());
        awaitTrue(() -> catchUp() && zoneFreeVcpu(host) == freeBefore, "the catch-up releases the server deleted by the other replica");

        // Neither read every live server (the full sync read at least the 20 above); only the changed rows were read.
        assertThat(rowsRead("every_live_server")).isEqualTo(everyBefore);
        assertThat(rowsRead("changed_servers") - changedBefore).isBetween(1.0, 19.0);
    }

    @Test
    void aBreakInTheNotificationsMakesTheNextSyncReadEveryLiveServer() {
        UUID tenant = createTenant(uniqueName("ledger-gap"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        PlacementTarget host = preview(tenant, PlacementHints.none().inRegion("sbx-west-1"));
        placement.sync();
        double everyBefore = rowsRead("every_live_server");
        int freeBefore = zoneFreeVcpu(host);

        // The replica's listening connection ends: notifications sent meanwhile are lost to it.
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?1 AND datname = current_database()")
                .setParameter(1, TenantChanges.APPLICATION_NAME).getResultList());
        commitAsAnotherReplica(tenant, project, host, Resources.of(2, 1_024), null);

        awaitTrue(() -> catchUp() && zoneFreeVcpu(host) == freeBefore - 2, "a sync after the break holds the server committed during it");
        assertThat(rowsRead("every_live_server")).isGreaterThan(everyBefore);
        awaitTrue(changes::live, "the replica listens again");
    }

    @Test
    void moreChangesThanTheJournalKeepsMakeTheNextSyncReadEveryLiveServer() {
        UUID tenant = createTenant(uniqueName("ledger-burst"), quota(16, 64, 4, 0, 0));
        UUID project = createProject(tenant, "apps");
        commitAsAnotherReplica(tenant, project, preview(tenant, PlacementHints.none().inRegion("sbx-west-1")), Resources.of(0, 1), null);
        placement.sync();
        TenantChanges.Mark mark = changes.markAny(TenantChanges.Channel.SERVERS);
        double everyBefore = rowsRead("every_live_server");

        // 16,385 distinct notifications in one commit, as a burst of other replicas' changes would send them.
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                        SELECT count(pg_notify('server_rows', ?1 || ' ' || i || ' ' || gen_random_uuid()))
                        FROM generate_series(1, 16385) i""")
                .setParameter(1, UUID.randomUUID().toString()).getSingleResult());
        awaitTrue(() -> changes.sinceAny(TenantChanges.Channel.SERVERS, mark).isEmpty(), "the journal no longer vouches for the mark");

        catchUp();
        assertThat(rowsRead("every_live_server")).isGreaterThan(everyBefore);
    }

    private boolean catchUp() {
        QuarkusTransaction.requiringNew().run(placement::catchUp);
        return true;
    }

    private double rowsRead(String read) {
        return registry.get("skydeck.placement.sync.rows").tag("read", read).counter().count();
    }

    private PlacementTarget preview(UUID tenant, PlacementHints hints) {
        PlacementDecision d = placement.preview(request(UUID.randomUUID(), tenant, Resources.of(4, 8_192), hints.withFlavor("m1.large")));
        return ((PlacementDecision.Placed) d).target();
    }

    private static PlacementRequest request(UUID id, UUID tenant, Resources demand) {
        return request(id, tenant, demand, PlacementHints.none().withFlavor("m1.large"));
    }

    private static PlacementRequest request(UUID id, UUID tenant, Resources demand, PlacementHints hints) {
        return new PlacementRequest(id.toString(), tenant.toString(), demand, hints);
    }

    private String create(UUID tenant, UUID project, String name, Map<String, Object> hints) {
        return as(Tokens.tenant(tenant))
                .body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.large", "image", "debian-12",
                        "hints", hints))
                .post("/v1/servers").then().statusCode(202).extract().path("resource.placement.host");
    }

    /** What the ledger says is free on a host: capacity less others' use less every live server. */
    private Resources roomOn(PlacementTarget t) {
        Object[] r = (Object[]) QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                        SELECT h.capacity_vcpu - h.others_vcpu - coalesce(sum(s.vcpu), 0),
                               h.capacity_memory_mib - h.others_memory_mib - coalesce(sum(s.memory_mib), 0)
                        FROM placement_host h LEFT JOIN server s ON s.provider = h.provider AND s.region = h.region
                             AND s.zone = h.zone AND s.host = h.host AND s.status NOT IN ('DELETED', 'FAILED')
                        WHERE h.provider = ?1 AND h.region = ?2 AND h.zone = ?3 AND h.host = ?4
                        GROUP BY h.capacity_vcpu, h.others_vcpu, h.capacity_memory_mib, h.others_memory_mib""")
                .setParameter(1, t.provider()).setParameter(2, t.region()).setParameter(3, t.zone())
                .setParameter(4, t.hostId()).getSingleResult());
        return new Resources(((Number) r[0]).intValue(), ((Number) r[1]).longValue(), 0);
    }

    private int zoneFreeVcpu(PlacementTarget t) {
        return placement.capacity().stream()
                .filter(z -> z.provider().equals(t.provider()) && z.region().equals(t.region()) && z.zone().equals(t.zone()))
                .findFirst().orElseThrow().free().vcpu();
    }

    private UUID commitAsAnotherReplica(UUID tenant, UUID project, PlacementTarget host, Resources demand, String antiAffinity) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> insertServer(id, tenant, project, host, demand, antiAffinity));
        return id;
    }

    private void insertServer(UUID id, UUID tenant, UUID project, PlacementTarget host, Resources demand, String antiAffinity) {
        em.createNativeQuery("""
                        INSERT INTO server (id, tenant_id, project_id, name, flavor, image, provider, region, zone, host, status,
                            vcpu, memory_mib, gpu, anti_affinity_group, created_at, updated_at, version)
                        VALUES (?1, ?2, ?3, ?4, 'm1.large', 'debian-12', ?5, ?6, ?7, ?8, 'BUILDING', ?9, ?10, 0, CAST(?11 AS varchar), ?12, ?12, 0)""")
                .setParameter(1, id).setParameter(2, tenant).setParameter(3, project).setParameter(4, "other-" + id)
                .setParameter(5, host.provider()).setParameter(6, host.region()).setParameter(7, host.zone())
                .setParameter(8, host.hostId()).setParameter(9, demand.vcpu()).setParameter(10, demand.memoryMib())
                .setParameter(11, antiAffinity).setParameter(12, OffsetDateTime.now())
                .executeUpdate();
        foreign.add(id);
    }
}
