package io.skydeck.capacity;

import io.skydeck.placement.Host;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.Resources;
import io.skydeck.platform.appends.Appends;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * PostgreSQL's word on capacity, which every replica shares. A replica's placement engine only
 * proposes; {@link #admit} makes the proposal binding inside the transaction that records the
 * server: it locks the chosen host's row (and the affinity group's), then reads the live servers
 * every replica has committed there. Two replicas choosing the last slot of one host queue on
 * the lock, and the second sees the first's server and is refused, whatever its engine believed.
 *
 * <p>The locks are held to the end of the caller's transaction, which must therefore not call a
 * provider. Order: group before host, and several hosts in key order (provider, region, zone,
 * host) — the only orders anything here takes them in.
 */
@ApplicationScoped
public class CapacityLedger {

    private static final String LIVE = "status NOT IN ('DELETED', 'FAILED')";

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    @Inject
    Appends appends;

    /** A host as an inventory read found it, with what others use of it. */
    public record LedgerHost(Host host, Resources usedByOthers) {
    }

    /** Writes the hosts an inventory read found; capacities change when a provider says so. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void record(List<LedgerHost> hosts) {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        for (LedgerHost h : hosts) {
            Host host = h.host();
            em.createNativeQuery("""
                            INSERT INTO placement_host (provider, region, zone, host, capacity_vcpu, capacity_memory_mib,
                                capacity_gpu, others_vcpu, others_memory_mib, others_gpu, refreshed_at)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                            ON CONFLICT (provider, region, zone, host) DO UPDATE SET
                                capacity_vcpu = excluded.capacity_vcpu, capacity_memory_mib = excluded.capacity_memory_mib,
                                capacity_gpu = excluded.capacity_gpu, others_vcpu = excluded.others_vcpu,
                                others_memory_mib = excluded.others_memory_mib, others_gpu = excluded.others_gpu,
                                refreshed_at = excluded.refreshed_at""")
                    .setParameter(1, host.provider()).setParameter(2, host.region()).setParameter(3, host.zone())
                    .setParameter(4, host.hostId())
                    .setParameter(5, host.capacity().vcpu()).setParameter(6, host.capacity().memoryMib())
                    .setParameter(7, host.capacity().gpu())
                    .setParameter(8, h.usedByOthers().vcpu()).setParameter(9, h.usedByOthers().memoryMib())
                    .setParameter(10, h.usedByOthers().gpu()).setParameter(11, now)
                    .executeUpdate();
        }
    }

    /**
     * Locks what the request's placement on {@code target} depends on and checks it against every
     * replica's committed servers. An affinity group is locked and checked at once: the answer is
     * why it refuses, empty when it does not. The host's lock and check are queued ({@link
     * Appends#check}, {@code ledger_admit_host} of V55) to go with the transaction's next round
     * trip — in a create, its last, with the quota's check and the COMMIT; a refusal there is thrown
     * as {@code refused} of PostgreSQL's reason.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<String> admit(PlacementRequest request, PlacementTarget target, Function<String, RuntimeException> refused) {
        String tenant = request.tenantId();
        String affinity = request.hints().affinityGroup();
        if (affinity != null) {
            em.createNativeQuery("INSERT INTO placement_group (tenant_id, name) VALUES (CAST(?1 AS uuid), ?2) ON CONFLICT DO NOTHING")
                    .setParameter(1, tenant).setParameter(2, affinity).executeUpdate();
            em.createNativeQuery("SELECT 1 FROM placement_group WHERE tenant_id = CAST(?1 AS uuid) AND name = ?2 FOR UPDATE")
                    .setParameter(1, tenant).setParameter(2, affinity).getResultList();
            Number elsewhere = (Number) em.createNativeQuery("SELECT count(*) FROM server WHERE tenant_id = CAST(?1 AS uuid)"
                            + " AND affinity_group = ?2 AND " + LIVE + " AND id <> CAST(?3 AS uuid)"
                            + " AND (provider, region, zone) <> (?4, ?5, ?6)")
                    .setParameter(1, tenant).setParameter(2, affinity).setParameter(3, request.requestId())
                    .setParameter(4, target.provider()).setParameter(5, target.region()).setParameter(6, target.zone())
                    .getSingleResult();
            if (elsewhere.longValue() > 0) {
                return Optional.of("affinity group " + affinity + " already has members outside " + target.zone());
            }
        }
        checkHost(target, request.requestId(), request.demand(), UUID.fromString(tenant), request.hints().antiAffinityGroup(), refused);
        return Optional.empty();
    }

    /**
     * Re-checks a resize on the server's own host: locks the host's row and checks, now, that the
     * server at its new size ({@code grown}) fits beside every other live server there; a refusal
     * is thrown as {@code refused} of the reason. When it fits, the caller holds the new size on the
     * server row until the resize ends.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void admitResize(String serverId, PlacementTarget target, Resources grown, Function<String, RuntimeException> refused) {
        checkHost(target, serverId, grown, null, null, refused);
        appends.write();
    }

    /**
     * Locks the rows of both hosts of a server the provider moved (a resize Nova migrated), in key
     * order, so that an admission on either waits until the move commits. Nothing is refused: the
     * provider already runs the server there, and the ledger records facts before it judges plans.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void lockForMove(PlacementTarget from, PlacementTarget to) {
        java.util.stream.Stream.of(from, to)
                .sorted(java.util.Comparator.comparing(PlacementTarget::provider).thenComparing(PlacementTarget::region)
                        .thenComparing(PlacementTarget::zone).thenComparing(PlacementTarget::hostId))
                .forEach(t -> em.createNativeQuery("SELECT 1 FROM placement_host WHERE provider = ?1 AND region = ?2"
                                + " AND zone = ?3 AND host = ?4 FOR UPDATE")
                        .setParameter(1, t.provider()).setParameter(2, t.region()).setParameter(3, t.zone())
                        .setParameter(4, t.hostId()).getResultList());
    }

    /**
     * Queues the host's lock and check: {@code demand} fits beside the live servers there other than
     * {@code excludeId}, and — with an anti-affinity group — no other member of the group is there.
     */
    private void checkHost(PlacementTarget target, String excludeId, Resources demand, UUID tenant, String antiAffinity,
                           Function<String, RuntimeException> refused) {
        appends.check(new Appends.Refusal("SKP01", error -> refused.apply(error.getMessage())),
                "SELECT ledger_admit_host(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", target.provider(), target.region(), target.zone(),
                target.hostId(), UUID.fromString(excludeId), demand.vcpu(), demand.memoryMib(), demand.gpu(), tenant, antiAffinity);
    }

    /** Of these resource ids, the ones whose server is recorded as gone (deleted or failed) by any replica. */
    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public List<String> gone(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        List<java.util.UUID> uuids = ids.stream().map(java.util.UUID::fromString).toList();
        List<Object> rows = em.createNativeQuery("SELECT id FROM server WHERE id IN (?1) AND status IN ('DELETED', 'FAILED')")
                .setParameter(1, uuids).getResultList();
        return rows.stream().map(Object::toString).toList();
    }
}
