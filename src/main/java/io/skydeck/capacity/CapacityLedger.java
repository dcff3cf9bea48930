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

import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

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
     * replica's committed servers: the verdict, empty when it may commit, otherwise why not. An
     * affinity group is locked and checked at once; the host's lock and checks are queued
     * ({@link Appends#ask}) and go to PostgreSQL with whatever the transaction queues next (the
     * quota's statement) when the verdict is first read.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Supplier<Optional<String>> admit(PlacementRequest request, PlacementTarget target) {
        String tenant = request.tenantId();
        String affinity = request.hints().affinityGroup();
        String antiAffinity = request.hints().antiAffinityGroup();
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
                Optional<String> refused = Optional.of("affinity group " + affinity + " already has members outside " + target.zone());
                return () -> refused;
            }
        }
        Supplier<Optional<String>> full = hostRefusal(target, request.requestId(), request.demand());
        // After the host's lock: the count sees every member committed by a transaction this one waited for.
        Appends.Answer<Long> sharing = antiAffinity == null ? null : appends.ask(CapacityLedger::count,
                "SELECT count(*) FROM server WHERE tenant_id = ? AND anti_affinity_group = ? AND provider = ? AND region = ?"
                        + " AND zone = ? AND host = ? AND " + LIVE + " AND id <> ?",
                UUID.fromString(tenant), antiAffinity, target.provider(), target.region(), target.zone(), target.hostId(),
                UUID.fromString(request.requestId()));
        return () -> {
            Optional<String> refused = full.get();
            if (refused.isEmpty() && sharing != null && sharing.get() > 0) {
                return Optional.of("anti-affinity group " + antiAffinity + " already has a member on " + target.hostId());
            }
            return refused;
        };
    }

    /**
     * Re-checks a resize on the server's own host: locks the host's row and checks that the
     * server at its new size ({@code grown}) fits beside every other live server there. Empty when
     * it fits; the caller then holds the new size on the server row until the resize ends.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<String> admitResize(String serverId, PlacementTarget target, Resources grown) {
        return hostRefusal(target, serverId, grown).get();
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
     * Queues the host's lock and the sum of its live servers other than {@code excludeId}; the
     * verdict says why {@code demand} does not fit there beside them. They are two statements: the
     * sum's snapshot is taken once the lock is held, so it sees every server committed by a
     * transaction this one waited for.
     */
    private Supplier<Optional<String>> hostRefusal(PlacementTarget target, String excludeId, Resources demand) {
        Appends.Answer<long[]> host = appends.ask(results -> longs(results, 6), """
                        SELECT capacity_vcpu, capacity_memory_mib, capacity_gpu, others_vcpu, others_memory_mib, others_gpu
                        FROM placement_host WHERE provider = ? AND region = ? AND zone = ? AND host = ? FOR UPDATE""",
                target.provider(), target.region(), target.zone(), target.hostId());
        // A server being resized holds the larger of its current and its new size until the resize ends.
        Appends.Answer<long[]> live = appends.ask(results -> longs(results, 3), """
                        SELECT coalesce(sum(greatest(vcpu, coalesce(held_vcpu, 0))), 0),
                               coalesce(sum(greatest(memory_mib, coalesce(held_memory_mib, 0))), 0),
                               coalesce(sum(greatest(gpu, coalesce(held_gpu, 0))), 0)
                        FROM server WHERE provider = ? AND region = ? AND zone = ? AND host = ? AND\s""" + LIVE + " AND id <> ?",
                target.provider(), target.region(), target.zone(), target.hostId(), UUID.fromString(excludeId));
        return () -> {
            long[] h = host.get();
            if (h == null) {
                return Optional.of("host " + target + " is not in the placement ledger; refresh capacity");
            }
            long[] used = live.get();
            long vcpu = used[0] + h[3] + demand.vcpu();
            long memory = used[1] + h[4] + demand.memoryMib();
            long gpu = used[2] + h[5] + demand.gpu();
            if (vcpu > h[0] || memory > h[1] || gpu > h[2]) {
                return Optional.of("host " + target.hostId() + " was filled by another placement: " + (vcpu - demand.vcpu())
                        + " of " + h[0] + " vCPU already held");
            }
            return Optional.empty();
        };
    }

    /** The first row's first {@code n} columns as numbers; null when there is no row. */
    private static long[] longs(java.sql.Statement results, int n) throws java.sql.SQLException {
        try (ResultSet rows = results.getResultSet()) {
            if (!rows.next()) {
                return null;
            }
            long[] read = new long[n];
            for (int i = 0; i < n; i++) {
                read[i] = rows.getLong(i + 1);
            }
            return read;
        }
    }

    private static Long count(java.sql.Statement results) throws java.sql.SQLException {
        return longs(results, 1)[0];
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
