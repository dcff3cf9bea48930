package io.skydeck.capacity;

import io.skydeck.connectors.spi.ContainerResources;
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

/**
 * The placement ledger's container pools: what each provider region's pools can hold, against
 * which the workloads every replica records there are summed. A pool choice is read from the
 * providers before any transaction and {@link #record}ed; {@link #admit} then locks the region's
 * row inside the transaction that records the workload (or a scale that grows it), so two
 * replicas filling the last room of a region queue on the lock and the second is refused.
 */
@ApplicationScoped
public class PoolLedger {

    private static final String LIVE = "status NOT IN ('DELETED', 'FAILED')";

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    /** A provider region's pools as the provider reported them, summed. */
    public record PoolReading(String provider, String region, ContainerResources allocatable, ContainerResources free) {
    }

    /**
     * Writes what the providers reported. What is in use there beyond Skydeck's own workloads the
     * provider already runs is "others"; Skydeck's are summed live at each admission instead.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public void record(List<PoolReading> readings) {
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        for (PoolReading r : readings) {
            Object[] ours = (Object[]) em.createNativeQuery("SELECT coalesce(sum(cpu_millis * replicas), 0),"
                            + " coalesce(sum(memory_mib * replicas), 0), coalesce(sum(replicas), 0) FROM workload"
                            + " WHERE provider = ?1 AND region = ?2 AND provider_workload_id IS NOT NULL AND " + LIVE)
                    .setParameter(1, r.provider()).setParameter(2, r.region()).getSingleResult();
            ContainerResources used = r.allocatable().minus(r.free());
            em.createNativeQuery("""
                            INSERT INTO placement_pool (provider, region, capacity_cpu_millis, capacity_memory_mib, capacity_pods,
                                others_cpu_millis, others_memory_mib, others_pods, refreshed_at)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                            ON CONFLICT (provider, region) DO UPDATE SET
                                capacity_cpu_millis = excluded.capacity_cpu_millis,
                                capacity_memory_mib = excluded.capacity_memory_mib, capacity_pods = excluded.capacity_pods,
                                others_cpu_millis = excluded.others_cpu_millis, others_memory_mib = excluded.others_memory_mib,
                                others_pods = excluded.others_pods, refreshed_at = excluded.refreshed_at""")
                    .setParameter(1, r.provider()).setParameter(2, r.region())
                    .setParameter(3, r.allocatable().cpuMillis()).setParameter(4, r.allocatable().memoryMiB())
                    .setParameter(5, (long) r.allocatable().pods())
                    .setParameter(6, Math.max(0, used.cpuMillis() - num(ours[0])))
                    .setParameter(7, Math.max(0, used.memoryMiB() - num(ours[1])))
                    .setParameter(8, Math.max(0, used.pods() - num(ours[2])))
                    .setParameter(9, now)
                    .executeUpdate();
        }
    }

    /**
     * Locks the region's row and checks that {@code demand} fits beside every live workload there
     * (each at the larger of its replicas and the replicas a scale in flight holds), except
     * {@code growing}, whose current size {@code demand} is assumed to include. Empty when it fits.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<String> admit(String provider, String region, Optional<UUID> growing, ContainerResources demand) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                        SELECT capacity_cpu_millis, capacity_memory_mib, capacity_pods, others_cpu_millis, others_memory_mib,
                               others_pods FROM placement_pool WHERE provider = ?1 AND region = ?2 FOR UPDATE""")
                .setParameter(1, provider).setParameter(2, region).getResultList();
        if (rows.isEmpty()) {
            return Optional.of("the pools of " + provider + " " + region + " are not in the placement ledger");
        }
        Object[] pool = rows.get(0);
        Object[] live = (Object[]) em.createNativeQuery("SELECT"
                        + " coalesce(sum(cpu_millis * greatest(replicas, coalesce(held_replicas, 0))), 0),"
                        + " coalesce(sum(memory_mib * greatest(replicas, coalesce(held_replicas, 0))), 0),"
                        + " coalesce(sum(greatest(replicas, coalesce(held_replicas, 0))), 0)"
                        + " FROM workload WHERE provider = ?1 AND region = ?2 AND " + LIVE + " AND id <> ?3")
                .setParameter(1, provider).setParameter(2, region)
                .setParameter(3, growing.orElse(new UUID(0, 0))).getSingleResult();
        long cpu = num(live[0]) + num(pool[3]) + demand.cpuMillis();
        long memory = num(live[1]) + num(pool[4]) + demand.memoryMiB();
        long pods = num(live[2]) + num(pool[5]) + demand.pods();
        if (cpu > num(pool[0]) || memory > num(pool[1]) || pods > num(pool[2])) {
            return Optional.of("the pools of " + provider + " " + region + " are full: " + (cpu - demand.cpuMillis())
                    + "m of " + num(pool[0]) + "m CPU already held");
        }
        return Optional.empty();
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }
}
