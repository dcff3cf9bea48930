package io.skydeck.capacity;

import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.Workloads;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses where a container workload runs: among providers that run containers and the tenant
 * may use, the regions whose pools have room for every replica, best first (most free CPU left
 * after the workload). Containers are scheduled inside the provider (kube-scheduler), so Skydeck
 * chooses provider and region; what it hands out there is held in PostgreSQL by the capacity
 * ledger, which re-checks the choice when the workload is recorded.
 *
 * <p>Reading the pools asks the providers, so this runs before any transaction: it is
 * {@code NEVER}, and a caller that holds one gets an exception instead of a lock held across a
 * remote call.
 */
@ApplicationScoped
public class ContainerPools {

    /** A region that fits, with what its pools reported (what the ledger records for it). */
    public record Choice(String provider, String region, long freeCpuMillisAfter, ContainerResources allocatable,
                         ContainerResources free) {
    }

    /** The decision with its reasons, stored as the workload's placement explanation. */
    public record Decision(List<Choice> ranked, int regionsConsidered, Map<String, Integer> rejectedBy) {
        public Optional<Choice> choice() {
            return ranked.stream().findFirst();
        }

        public String reason() {
            StringBuilder out = new StringBuilder("no container pool fits");
            rejectedBy.forEach((filter, n) -> out.append(out.indexOf(":") < 0 ? ": " : ", ").append(filter)
                    .append(" rejected ").append(n));
            return out.toString();
        }
    }

    @Inject
    ProviderRegistry providers;

    @Transactional(Transactional.TxType.NEVER)
    public Decision choose(ContainerResources perReplica, int replicas, Optional<String> kind, Optional<String> region,
                           Set<String> allowedProviders) {
        ContainerResources total = perReplica.times(Math.max(replicas, 1));
        Map<String, Integer> rejected = new LinkedHashMap<>();
        List<Choice> fits = new ArrayList<>();
        int considered = 0;
        for (CloudProvider provider : providers.all()) {
            Optional<Inventory> inventory = provider.capability(Inventory.class);
            if (provider.capability(Workloads.class).isEmpty() || inventory.isEmpty()) {
                continue;
            }
            for (Region r : provider.regions()) {
                considered++;
                if (!allowedProviders.isEmpty() && !allowedProviders.contains(provider.name())) {
                    rejected.merge("allow-list", 1, Integer::sum);
                    continue;
                }
                if (kind.isPresent() && !kind.get().equalsIgnoreCase(provider.kind().name())) {
                    rejected.merge("provider-kind", 1, Integer::sum);
                    continue;
                }
                if (region.isPresent() && !region.get().equals(r.id())) {
                    rejected.merge("region", 1, Integer::sum);
                    continue;
                }
                ContainerResources free = ContainerResources.NONE;
                ContainerResources allocatable = ContainerResources.NONE;
                boolean replicaFits = false;
                for (ContainerCapacity pool : inventory.get().containerCapacity(r.id())) {
                    free = free.plus(pool.free());
                    allocatable = allocatable.plus(pool.allocatable());
                    replicaFits |= pool.free().fits(perReplica);
                }
                if (!replicaFits || !free.fits(total)) {
                    rejected.merge("capacity", 1, Integer::sum);
                    continue;
                }
                fits.add(new Choice(provider.name(), r.id(), free.cpuMillis() - total.cpuMillis(), allocatable, free));
            }
        }
        fits.sort(BY_ROOM);
        return new Decision(List.copyOf(fits), considered, rejected);
    }

    /** What one provider region's pools report (provider calls: never in a transaction). */
    @Transactional(Transactional.TxType.NEVER)
    public Optional<PoolLedger.PoolReading> reading(String providerName, String region) {
        return providers.find(providerName).flatMap(p -> p.capability(Inventory.class)).map(inventory -> {
            ContainerResources free = ContainerResources.NONE;
            ContainerResources allocatable = ContainerResources.NONE;
            for (ContainerCapacity pool : inventory.containerCapacity(region)) {
                free = free.plus(pool.free());
                allocatable = allocatable.plus(pool.allocatable());
            }
            return new PoolLedger.PoolReading(providerName, region, allocatable, free);
        });
    }

    private static final Comparator<Choice> BY_ROOM = Comparator.comparingLong(Choice::freeCpuMillisAfter).reversed()
            .thenComparing(Choice::provider).thenComparing(Choice::region);
}
