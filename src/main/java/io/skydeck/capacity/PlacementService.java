package io.skydeck.capacity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.StartupEvent;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.FlavorPrice;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.PriceList;
import io.skydeck.connectors.spi.Region;
import io.skydeck.placement.Host;
import io.skydeck.placement.HourlyRate;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementEngine;
import io.skydeck.placement.PlacementPolicy;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.ProviderKind;
import io.skydeck.placement.Resources;
import io.skydeck.placement.ZoneCapacity;
import io.skydeck.providers.ProviderRegistry;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Adapts the placement engine to the providers and the database: builds its inventory from
 * every provider's hosts and prices at start-up, puts back the servers Skydeck already placed,
 * and ties each placement to the transaction that records it (a rollback releases it).
 */
@ApplicationScoped
public class PlacementService {

    private static final Logger LOG = Logger.getLogger(PlacementService.class);

    /** A flavor and the providers that sell it. */
    public record FlavorOffer(String id, Resources resources, List<String> providers) {
    }

    @Inject
    ProviderRegistry providers;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    TransactionSynchronizationRegistry transactions;

    private volatile PlacementEngine engine;
    private volatile Map<String, FlavorOffer> flavors = Map.of();

    void onStart(@Observes @Priority(10) StartupEvent event) {
        rebuild();
    }

    /** Reads every provider's inventory afresh and re-places what Skydeck holds. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public synchronized void rebuild() {
        PlacementEngine fresh = new PlacementEngine(PlacementPolicy.defaults());
        Map<String, FlavorOffer> offers = new LinkedHashMap<>();
        List<HeldServer> held = heldServers();
        for (CloudProvider provider : providers.all()) {
            Optional<Inventory> inventory = provider.capability(Inventory.class);
            if (inventory.isEmpty()) {
                continue;
            }
            Optional<PriceList> prices = provider.capability(PriceList.class);
            for (Region region : provider.regions()) {
                Map<String, BigDecimal> rate = new HashMap<>();
                prices.ifPresent(p -> p.flavorPrices(region.id()).forEach(
                        (FlavorPrice f) -> rate.put(f.flavorId(), f.hourly().amount())));
                for (Flavor flavor : inventory.get().flavors(region.id())) {
                    offers.merge(flavor.id(), new FlavorOffer(flavor.id(), toEngine(flavor.resources()), List.of(provider.name())),
                            (a, b) -> a.providers().contains(provider.name()) ? a
                                    : new FlavorOffer(a.id(), a.resources(), concat(a.providers(), provider.name())));
                }
                for (HostCapacity host : inventory.get().hosts(region.id())) {
                    Resources capacity = toEngine(host.capacity());
                    Resources usedByOthers = toEngine(host.used());
                    for (HeldServer s : held) {
                        if (s.onHost(provider.name(), host.hostId()) && s.inProvider()) {
                            usedByOthers = clampedMinus(usedByOthers, s.demand());
                        }
                    }
                    fresh.addHost(new Host(provider.name(), kindOf(provider), region.id(), host.zone(), host.hostId(), capacity,
                            new HourlyRate.PerFlavor(rate)), usedByOthers);
                }
            }
        }
        for (HeldServer s : held) {
            Optional<CloudProvider> provider = providers.find(s.provider());
            if (provider.isEmpty()) {
                LOG.warnf("server %s is on provider %s, which is no longer configured", s.id(), s.provider());
                continue;
            }
            PlacementTarget target = s.target(kindOf(provider.get()));
            PlacementDecision restored = fresh.placeOn(s.request(), target);
            if (restored instanceof PlacementDecision.Unplaceable u) {
                LOG.warnf("server %s no longer passes placement on %s (%s); its capacity is not held", s.id(), target, u.reason());
            }
        }
        this.engine = fresh;
        this.flavors = Map.copyOf(offers);
        LOG.infof("placement inventory: %d hosts, %d flavors, %d servers held", fresh.hostCount(), offers.size(), held.size());
    }

    public Optional<FlavorOffer> flavor(String id) {
        return Optional.ofNullable(flavors.get(id));
    }

    /** Decides and holds capacity; released again if the surrounding transaction does not commit. */
    @Transactional(Transactional.TxType.MANDATORY)
    public PlacementDecision place(PlacementRequest request, Optional<PlacementTarget> override) {
        PlacementDecision decision = override.map(t -> engine.placeOn(request, t)).orElseGet(() -> engine.place(request));
        if (decision instanceof PlacementDecision.Placed) {
            releaseUnlessCommitted(request.requestId());
        }
        return decision;
    }

    /**
     * Re-sizes a hold on its host: {@code grown} replaces {@code current} if it fits, otherwise
     * nothing changes. Holding the engine's monitor makes the swap atomic for other callers.
     */
    public boolean resize(PlacementRequest grown, PlacementRequest current, PlacementTarget target) {
        PlacementEngine e = engine;
        synchronized (e) {
            e.release(current.requestId());
            if (e.placeOn(grown, target) instanceof PlacementDecision.Placed) {
                return true;
            }
            e.placeOn(current, target);
            return false;
        }
    }

    /** Where a resource already is, as the engine names it. */
    public PlacementTarget target(String provider, String region, String zone, String host) {
        return new PlacementTarget(provider, kindOf(providers.get(provider)), region, zone, host);
    }

    public PlacementDecision preview(PlacementRequest request) {
        return engine.preview(request);
    }

    /** Gives the capacity back once the surrounding transaction commits (at once without one). */
    public void releaseAfterCommit(UUID resourceId) {
        if (transactions.getTransactionKey() == null) {
            engine.release(resourceId.toString());
            return;
        }
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    engine.release(resourceId.toString());
                }
            }
        });
    }

    public List<ZoneCapacity> capacity() {
        return engine.capacity();
    }

    /** The explanation stored with a decision and returned by {@code GET /v1/servers/{id}/placement}. */
    public String explain(PlacementDecision decision, String decidedBy) {
        try {
            return json.writeValueAsString(PlacementExplanation.of(decision, decidedBy));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a placement explanation", e);
        }
    }

    private void releaseUnlessCommitted(String requestId) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status != Status.STATUS_COMMITTED) {
                    engine.release(requestId);
                }
            }
        });
    }

    private record HeldServer(UUID id, String tenantId, String provider, String region, String zone, String host,
                              String flavor, Resources demand, String affinity, String antiAffinity, boolean inProvider) {
        boolean onHost(String providerName, String hostId) {
            return provider.equals(providerName) && hostId.equals(host);
        }

        PlacementTarget target(ProviderKind kind) {
            return new PlacementTarget(provider, kind, region, zone, host);
        }

        PlacementRequest request() {
            var hints = io.skydeck.placement.PlacementHints.none().withFlavor(flavor);
            if (affinity != null) {
                hints = hints.withAffinityGroup(affinity);
            }
            if (antiAffinity != null) {
                hints = hints.withAntiAffinityGroup(antiAffinity);
            }
            return new PlacementRequest(id.toString(), tenantId, demand, hints);
        }
    }

    @SuppressWarnings("unchecked")
    private List<HeldServer> heldServers() {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, tenant_id, provider, region, zone, host, flavor, vcpu, memory_mib, gpu, affinity_group,
                       anti_affinity_group, provider_server_id IS NOT NULL
                FROM server WHERE status NOT IN ('DELETED', 'FAILED') AND host IS NOT NULL""").getResultList();
        return rows.stream().map(r -> new HeldServer((UUID) r[0], r[1].toString(), (String) r[2], (String) r[3], (String) r[4],
                (String) r[5], (String) r[6],
                new Resources(((Number) r[7]).intValue(), ((Number) r[8]).longValue(), ((Number) r[9]).intValue()),
                (String) r[10], (String) r[11], (Boolean) r[12])).toList();
    }

    static Resources toEngine(io.skydeck.connectors.spi.Resources r) {
        return new Resources(r.vcpus(), r.memoryMiB(), r.gpus());
    }

    private static Resources clampedMinus(Resources a, Resources b) {
        return new Resources(Math.max(0, a.vcpu() - b.vcpu()), Math.max(0, a.memoryMib() - b.memoryMib()), Math.max(0, a.gpu() - b.gpu()));
    }

    static ProviderKind kindOf(CloudProvider provider) {
        return ProviderKind.valueOf(provider.kind().name());
    }

    private static List<String> concat(List<String> list, String one) {
        var out = new java.util.ArrayList<>(list);
        out.add(one);
        return List.copyOf(out);
    }
}
