package io.skydeck.compute;

import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.Workloads;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses where a container workload runs: among providers that run containers, the region
 * whose pools have the most free CPU left after the workload, provided every replica fits in
 * some pool. Containers are scheduled inside the provider (kube-scheduler), so Skydeck only
 * chooses provider and region and does not hold capacity of its own — the provider's
 * ResourceQuota and scheduler arbitrate the rest.
 */
@ApplicationScoped
public class ContainerPools {

    public record Choice(String provider, String region, long freeCpuMillisAfter) {
    }

    /** The decision with its reasons, stored as the workload's placement explanation. */
    public record Decision(Optional<Choice> choice, int regionsConsidered, Map<String, Integer> rejectedBy) {
        public String reason() {
            StringBuilder out = new StringBuilder("no container pool fits");
            rejectedBy.forEach((filter, n) -> out.append(out.indexOf(":") < 0 ? ": " : ", ").append(filter)
                    .append(" rejected ").append(n));
            return out.toString();
        }
    }

    @Inject
    ProviderRegistry providers;

    public Decision choose(ContainerResources perReplica, int replicas, Optional<String> kind, Optional<String> region) {
        ContainerResources total = perReplica.times(Math.max(replicas, 1));
        Map<String, Integer> rejected = new LinkedHashMap<>();
        Choice best = null;
        int considered = 0;
        for (CloudProvider provider : providers.all()) {
            Optional<Inventory> inventory = provider.capability(Inventory.class);
            if (provider.capability(Workloads.class).isEmpty() || inventory.isEmpty()) {
                continue;
            }
            for (Region r : provider.regions()) {
                considered++;
                if (kind.isPresent() && !kind.get().equalsIgnoreCase(provider.kind().name())) {
                    rejected.merge("provider-kind", 1, Integer::sum);
                    continue;
                }
                if (region.isPresent() && !region.get().equals(r.id())) {
                    rejected.merge("region", 1, Integer::sum);
                    continue;
                }
                ContainerResources free = ContainerResources.NONE;
                boolean replicaFits = false;
                for (ContainerCapacity pool : inventory.get().containerCapacity(r.id())) {
                    free = free.plus(pool.free());
                    replicaFits |= pool.free().fits(perReplica);
                }
                if (!replicaFits || !free.fits(total)) {
                    rejected.merge("capacity", 1, Integer::sum);
                    continue;
                }
                Choice candidate = new Choice(provider.name(), r.id(), free.cpuMillis() - total.cpuMillis());
                if (best == null || BY_ROOM.compare(candidate, best) < 0) {
                    best = candidate;
                }
            }
        }
        return new Decision(Optional.ofNullable(best), considered, rejected);
    }

    private static final Comparator<Choice> BY_ROOM = Comparator.comparingLong(Choice::freeCpuMillisAfter).reversed()
            .thenComparing(Choice::provider).thenComparing(Choice::region);
}
