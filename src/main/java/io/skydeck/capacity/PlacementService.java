package io.skydeck.capacity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.FlavorPrice;
import io.skydeck.connectors.spi.HostCapacity;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.PriceList;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Region;
import io.skydeck.placement.Host;
import io.skydeck.placement.HostLoad;
import io.skydeck.placement.HourlyRate;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementEngine;
import io.skydeck.placement.PlacementPolicy;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.ProviderKind;
import io.skydeck.placement.Resources;
import io.skydeck.placement.ZoneCapacity;
import io.skydeck.providers.InventoryState;
import io.skydeck.providers.ProviderErrors;
import io.skydeck.providers.ProviderPlacement;
import io.skydeck.providers.ProviderRegistry;
import jakarta.annotation.PostConstruct;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.HashSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Adapts the placement engine to the providers and the database: builds its inventory from
 * every provider's hosts and prices at start-up, puts back the servers Skydeck already placed,
 * and ties each placement to the transaction that records it (a rollback releases it).
 *
 * <p>With several replicas each has its own engine, a cache: the {@link CapacityLedger} in
 * PostgreSQL decides whether a placement may commit, a refused one is re-decided on a refreshed
 * engine, and {@link #sync} folds in what other replicas committed every few seconds.
 */
@ApplicationScoped
public class PlacementService {

    private static final Logger LOG = Logger.getLogger(PlacementService.class);

    /** Host id of a zone of a cloud that hides its hosts; connectors that cannot pin hosts (EC2) ignore it. */
    public static final String VIRTUAL_HOST_PREFIX = "virtual:";

    /** A flavor and the providers that sell it. */
    public record FlavorOffer(String id, Resources resources, List<String> providers) {
    }

    @Inject
    ProviderRegistry providers;

    @Inject
    io.skydeck.platform.config.SkydeckConfig config;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    TransactionSynchronizationRegistry transactions;

    @Inject
    CapacityLedger ledger;

    @Inject
    TenantChanges changes;

    @Inject
    MeterRegistry registry;

    @Inject
    java.time.Clock clock;

    @Inject
    io.skydeck.providers.CatalogNames catalog;

    private volatile PlacementEngine engine;
    /** Placements of this replica whose transaction has not ended: the ledger does not show them yet. */
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService syncer;
    private volatile Map<String, FlavorOffer> flavors = Map.of();
    /** What of the server rows' notifications the engine has folded in; null when it must read every live server again. */
    private TenantChanges.Mark folded;
    /** When the engine last read every live server (System.nanoTime). */
    private long readAllAt;
    private Counter rowsReadAll;
    private Counter rowsReadChanged;
    private Timer syncsReadingAll;
    private Timer syncsReadingChanged;

    @PostConstruct
    void meters() {
        rowsReadAll = rowsRead("every_live_server");
        rowsReadChanged = rowsRead("changed_servers");
        syncsReadingAll = syncs("every_live_server");
        syncsReadingChanged = syncs("changed_servers");
    }

    private Counter rowsRead(String read) {
        return Counter.builder("skydeck.placement.sync.rows").tag("read", read)
                .description("Server rows a replica's placement engine read to fold in other replicas' servers").register(registry);
    }

    private Timer syncs(String read) {
        return Timer.builder("skydeck.placement.sync").tag("read", read)
                .description("Syncs of a replica's placement engine with the servers every replica committed").register(registry);
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        rebuild();
        long every = config.placement().syncInterval().toMillis();
        syncer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "placement-sync");
            t.setDaemon(true);
            return t;
        });
        syncer.scheduleWithFixedDelay(this::catchUpQuietly, every, every, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (syncer != null) {
            syncer.shutdownNow();
        }
    }

    private void catchUpQuietly() {
        try {
            // A thread of our own, calling this object rather than its proxy: the reads need a transaction opened here.
            io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(this::catchUp);
        } catch (RuntimeException e) {
            LOG.warnf("placement sync with the ledger failed (%s); the next one retries", e.toString());
        }
    }

    /**
     * What the periodic sync runs: folds in only the servers whose rows changed since the last sync,
     * as the server rows' notifications ({@link TenantChanges.Channel#SERVERS}, every tenant's) name
     * them — a read of those rows, not of every live server, so its cost follows the changes, not the
     * fleet. Falls back to {@link #sync} (every live server) when the notifications cannot vouch for
     * the interval: the listening connection broke or is down, more changes came than are remembered,
     * or {@code skydeck.placement.full-sync-interval} has passed since the last full read.
     */
    public synchronized void catchUp() {
        TenantChanges.Mark from = folded;
        boolean fullDue = System.nanoTime() - readAllAt >= config.placement().fullSyncInterval().toNanos();
        Optional<TenantChanges.Since> since = from == null || fullDue ? Optional.empty() : changes.sinceAny(TenantChanges.Channel.SERVERS, from);
        if (since.isEmpty()) {
            sync();
            return;
        }
        long started = System.nanoTime();
        Set<UUID> ids = new LinkedHashSet<>();
        for (String payload : since.get().details()) {
            // "<tenant> <created_at µs> <id>" (V53)
            ids.add(UUID.fromString(payload.substring(payload.lastIndexOf(' ') + 1)));
        }
        if (!ids.isEmpty()) {
            PlacementEngine e = engine;
            List<UUID> changed = List.copyOf(ids);
            List<HeldServer> live = new ArrayList<>();
            for (int at = 0; at < changed.size(); at += 500) {
                live.addAll(heldServers(changed.subList(at, Math.min(changed.size(), at + 500))));
            }
            rowsReadChanged.increment(live.size());
            Set<String> liveIds = new HashSet<>();
            for (HeldServer s : live) {
                liveIds.add(s.id().toString());
                hold(e, s);
            }
            List<String> notLive = ids.stream().map(UUID::toString)
                    .filter(id -> !liveIds.contains(id) && !inFlight.contains(id) && e.allocation(id).isPresent()).toList();
            ledger.gone(notLive).forEach(e::release);
        }
        folded = since.get().mark();
        syncsReadingChanged.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    /**
     * Brings this replica's engine in line with the servers every replica committed, reading every
     * live server: holds the ones it does not know, releases the ones recorded as gone. Runs on
     * every replica (not a clustered job): each has its own cache. A stale engine only costs a
     * refused decision and a retry, never an over-commit — the ledger decides. The periodic sync is
     * {@link #catchUp}, which reads only the changed rows and comes here when it cannot vouch for them.
     */
    public synchronized void sync() {
        long started = System.nanoTime();
        PlacementEngine e = engine;
        // Taken before the read: a change notified after it is folded in by the next catch-up, even if this read saw it.
        TenantChanges.Mark mark = changes.markAny(TenantChanges.Channel.SERVERS);
        List<HeldServer> live = heldServers(Optional.empty(), null, null);
        rowsReadAll.increment(live.size());
        Set<String> liveIds = new HashSet<>();
        for (HeldServer s : live) {
            liveIds.add(s.id().toString());
            hold(e, s);
        }
        List<String> unknown = new ArrayList<>();
        for (String id : e.allocationIds()) {
            if (!liveIds.contains(id) && !inFlight.contains(id)) {
                unknown.add(id);
            }
        }
        // Asked afresh: a server this replica committed after the read above is live, not gone.
        ledger.gone(unknown).forEach(e::release);
        folded = mark;
        readAllAt = System.nanoTime();
        syncsReadingAll.record(readAllAt - started, TimeUnit.NANOSECONDS);
    }

    /**
     * Holds a server another replica committed, unless this engine holds it already — where the
     * ledger has it: a server another replica moved (a resize the provider migrated) moves here too.
     */
    private void hold(PlacementEngine e, HeldServer s) {
        String id = s.id().toString();
        if (inFlight.contains(id)) {
            return;
        }
        Optional<io.skydeck.placement.Allocation> held = e.allocation(id);
        if (held.isPresent() && held.get().target().hostId().equals(s.host()) && held.get().target().zone().equals(s.zone())) {
            return;
        }
        held.ifPresent(elsewhere -> e.release(id));
        Optional<CloudProvider> provider = providers.find(s.provider());
        if (provider.isEmpty()) {
            return;
        }
        try {
            if (e.placeOn(s.request(), s.target(kindOf(provider.get()))) instanceof PlacementDecision.Unplaceable u) {
                LOG.debugf("server %s is not held by this engine: %s", id, u.reason());
            }
        } catch (IllegalArgumentException unknownHost) {
            LOG.debugf("server %s is on a host this engine does not know: %s", id, unknownHost.getMessage());
        }
    }

    /** Reads every provider's inventory afresh and re-places what Skydeck holds. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public synchronized void rebuild() {
        var weights = config.placement();
        PlacementEngine fresh = new PlacementEngine(new PlacementPolicy(weights.costWeight(), weights.packingWeight(),
                weights.packing(), weights.gpuReserveWeight()));
        Map<String, FlavorOffer> offers = new LinkedHashMap<>();
        TenantChanges.Mark mark = changes.markAny(TenantChanges.Channel.SERVERS);
        List<HeldServer> held = heldServers(Optional.empty(), null, null);
        List<CapacityLedger.LedgerHost> ledgerHosts = new ArrayList<>();
        Map<String, InventoryState> states = new LinkedHashMap<>();
        java.time.Instant now = clock.instant();
        for (CloudProvider provider : providers.all()) {
            // Only providers that run servers take part: a cluster's inventory describes container
            // pools (ContainerPools places workloads there), and its flavors must not attract servers.
            Optional<Inventory> inventory = provider.capability(Inventory.class);
            if (inventory.isEmpty() || provider.capability(Servers.class).isEmpty()) {
                continue;
            }
            try {
                ProviderInventory read = read(provider, inventory.get(), held);
                read.hosts().forEach(h -> fresh.addHost(h.host(), h.usedByOthers()));
                read.hosts().forEach(h -> ledgerHosts.add(new CapacityLedger.LedgerHost(h.host(), h.usedByOthers())));
                for (Flavor flavor : read.flavors()) {
                    offer(offers, flavor.id(), toEngine(flavor.resources()), provider.name());
                }
                catalog.remember(provider.name(), read.flavors(), read.images());
                states.put(provider.name(), new InventoryState.InventoryRead(now, read.hosts().size(), read.flavors().size()));
            } catch (RuntimeException e) {
                // One cloud being down (or refusing Skydeck's credentials) must take neither placement on
                // the others nor the service with it: its servers stay held where they were last seen.
                int standIns = holdWhereLastSeen(fresh, provider, held);
                flavors.values().stream().filter(o -> o.providers().contains(provider.name()))
                        .forEach(o -> offer(offers, o.id(), o.resources(), provider.name()));
                states.put(provider.name(), new InventoryState.InventoryUnreadable(now, ProviderErrors.type(e),
                        ProviderErrors.detail(e), standIns, e));
                LOG.warnf("provider %s: no inventory (%s); it takes no placements until a refresh reads it, and its servers"
                        + " stay held on %d host(s) where they were last seen", provider.name(), ProviderErrors.detail(e), standIns);
            }
        }
        for (HeldServer s : held) {
            Optional<CloudProvider> provider = providers.find(s.provider());
            if (provider.isEmpty()) {
                LOG.warnf("server %s is on provider %s, which is no longer configured", s.id(), s.provider());
                continue;
            }
            PlacementTarget target = s.target(kindOf(provider.get()));
            try {
                if (fresh.placeOn(s.request(), target) instanceof PlacementDecision.Unplaceable u) {
                    LOG.warnf("server %s no longer passes placement on %s (%s); its capacity is not held", s.id(), target, u.reason());
                }
            } catch (IllegalArgumentException unknownHost) {
                // The provider no longer reports the host (decommissioned, renamed): drift's to report, not start-up's to die of.
                LOG.warnf("server %s is on %s, which provider %s no longer reports; its capacity is not held", s.id(), target,
                        s.provider());
            }
        }
        ledger.record(ledgerHosts);
        this.engine = fresh;
        folded = mark;
        readAllAt = System.nanoTime();
        this.flavors = Map.copyOf(offers);
        states.forEach(providers::recordInventory);
        LOG.infof("placement inventory: %d hosts, %d flavors, %d servers held", fresh.hostCount(), offers.size(), held.size());
    }

    /**
     * Stand-in hosts for the held servers of a provider whose inventory cannot be read: one per
     * host they were last seen on, exactly as big as what they hold, so their holds stay and
     * nothing new fits. Only the engine knows them; the ledger keeps real hosts only.
     */
    private int holdWhereLastSeen(PlacementEngine fresh, CloudProvider provider, List<HeldServer> held) {
        Map<PlacementTarget, List<HeldServer>> byHost = new LinkedHashMap<>();
        for (HeldServer s : held) {
            if (s.provider().equals(provider.name())) {
                byHost.computeIfAbsent(s.target(kindOf(provider)), t -> new ArrayList<>()).add(s);
            }
        }
        byHost.forEach((target, servers) -> {
            int vcpu = 0;
            long memory = 0;
            int gpu = 0;
            Map<String, BigDecimal> free = new HashMap<>();
            for (HeldServer s : servers) {
                vcpu += s.demand().vcpu();
                memory += s.demand().memoryMib();
                gpu += s.demand().gpu();
                free.put(s.flavor(), BigDecimal.ZERO);
            }
            fresh.addHost(new Host(target.provider(), target.kind(), target.region(), target.zone(), target.hostId(),
                    new Resources(Math.max(1, vcpu), Math.max(1, memory), gpu), new HourlyRate.PerFlavor(free)));
        });
        return byHost.size();
    }

    private static void offer(Map<String, FlavorOffer> offers, String id, Resources resources, String provider) {
        offers.merge(id, new FlavorOffer(id, resources, List.of(provider)),
                (a, b) -> a.providers().contains(provider) ? a : new FlavorOffer(a.id(), a.resources(), concat(a.providers(), provider)));
    }

    public Optional<FlavorOffer> flavor(String id) {
        return Optional.ofNullable(flavors.get(id));
    }

    /**
     * The engine's proposal for a server, held in this replica's engine at once (so that this
     * replica's concurrent creates see it) and released again if the surrounding transaction does
     * not commit. Nothing is locked yet: {@link #admit} makes the proposal binding, as late in the
     * transaction as the caller can, because the rows it locks queue every create onto that host;
     * and a host that holds another of this replica's proposals still in flight is chosen only when
     * no other fits, so that concurrent creates do not queue there.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public PlacementDecision propose(PlacementRequest request, Optional<PlacementTarget> override) {
        PlacementEngine e = engine;
        // A host with another create of this replica still in flight comes last among those that fit: the ledger locks
        // the host from the admission to the commit, and creates proposed onto one host would wait on each other there.
        PlacementDecision decision = override.map(t -> e.placeOn(request, t)).orElseGet(() -> e.place(request, inFlight));
        if (decision instanceof PlacementDecision.Placed) {
            inFlight.add(request.requestId());
            releaseUnlessCommitted(request.requestId());
        }
        return decision;
    }

    /**
     * The engine proposes, the ledger disposes: locks the proposed host (and the affinity group)
     * until the transaction ends and checks it against every replica's committed servers. The
     * host's check is queued with the transaction's next round trip ({@link CapacityLedger#admit}).
     * When the ledger refuses (another replica took the room, or a group member sits elsewhere),
     * {@link PlacementRefused} is thrown: the transaction must roll back, and the create may be made
     * again from the start with a new proposal ({@link PlacementRefused#retrying}), once the engine
     * has learnt what it missed; a manual override is not moved.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void admit(PlacementRequest request, PlacementTarget target, boolean override) {
        Function<String, RuntimeException> refusal = reason -> refused(request, target, override, reason);
        Optional<String> refused = ledger.admit(request, target, refusal);
        if (refused.isPresent()) {
            throw refusal.apply(refused.get());
        }
    }

    /**
     * The ledger's refusal: the engine lets go of the proposal at once, and learns the host's and
     * the group's servers when the refused transaction has ended (it may have been aborted by the
     * refusal), before the create is made again.
     */
    private PlacementRefused refused(PlacementRequest request, PlacementTarget target, boolean override, String reason) {
        PlacementEngine e = engine;
        e.release(request.requestId());
        LOG.debugf("placement of %s on %s refused by the ledger (%s)", request.requestId(), target, reason);
        Runnable learn = () -> QuarkusTransaction.requiringNew().run(() -> {
            for (HeldServer s : heldServers(Optional.of(target), request.tenantId(), request.hints().affinityGroup())) {
                hold(e, s);
            }
        });
        return new PlacementRefused(reason, !override, learn);
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

    /**
     * Moves this engine's hold of a server to the host the provider moved it to, once the
     * transaction that records the move commits. A host this engine does not know (yet), or one
     * its stale view finds full, leaves the server unheld here until the next sync or refresh;
     * the ledger has the move regardless.
     */
    public void moveAfterCommit(PlacementRequest hold, PlacementTarget to) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    moveHold(engine, hold, to);
                }
            }
        });
    }

    private static void moveHold(PlacementEngine e, PlacementRequest hold, PlacementTarget to) {
        synchronized (e) {
            e.release(hold.requestId());
            try {
                if (e.placeOn(hold, to) instanceof PlacementDecision.Unplaceable u) {
                    LOG.warnf("server %s moved to %s, which this engine cannot hold it on (%s); the next sync retries",
                            hold.requestId(), to, u.reason());
                }
            } catch (IllegalArgumentException unknownHost) {
                LOG.warnf("server %s moved to %s, a host this engine does not know yet; a capacity refresh reads it",
                        hold.requestId(), to);
            }
        }
    }

    /** Gives the capacity back once the surrounding transaction commits (at once without one). */
    public void releaseAfterCommit(UUID resourceId) {
        if (transactions.getTransactionKey() == null) {
            engine.release(resourceId.toString());
            return;
        }
        releaseWhenTransactionEnds(resourceId.toString(), true);
    }

    public List<ZoneCapacity> capacity() {
        return engine.capacity();
    }

    public List<HostLoad> hostLoads() {
        return engine.hostLoads();
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
        releaseWhenTransactionEnds(requestId, false);
    }

    /** Releases the hold when the surrounding transaction ends committed ({@code onCommit}) or not. */
    private void releaseWhenTransactionEnds(String requestId, boolean onCommit) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if ((status == Status.STATUS_COMMITTED) == onCommit) {
                    engine.release(requestId);
                }
                if (!onCommit) {
                    inFlight.remove(requestId);
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

    private record PlacedHost(Host host, Resources usedByOthers) {
    }

    private record ProviderInventory(List<PlacedHost> hosts, List<Flavor> flavors, List<io.skydeck.connectors.spi.Image> images) {
    }

    /** Everything one provider says, read before any of it reaches the engine, so a failure adds nothing. */
    private ProviderInventory read(CloudProvider provider, Inventory inventory, List<HeldServer> held) {
        ProviderPlacement settings = providers.placement(provider.name());
        Optional<PriceList> prices = provider.capability(PriceList.class);
        List<PlacedHost> hosts = new ArrayList<>();
        List<Flavor> offered = new ArrayList<>();
        List<io.skydeck.connectors.spi.Image> images = new ArrayList<>();
        for (Region region : provider.regions()) {
            List<Flavor> flavors = inventory.flavors(region.id());
            HourlyRate rate = rateOf(provider, region.id(), flavors, withRetired(flavors, provider.name(), region.id(), held),
                    prices, settings);
            offered.addAll(flavors);
            List<HostCapacity> reported = inventory.hosts(region.id());
            if (reported.isEmpty()) {
                hosts.addAll(virtualHosts(provider, region, settings, rate, held));
            }
            for (HostCapacity host : reported) {
                Resources usedByOthers = toEngine(host.used());
                for (HeldServer s : held) {
                    if (s.onHost(provider.name(), host.hostId()) && s.inProvider()) {
                        usedByOthers = clampedMinus(usedByOthers, s.demand());
                    }
                }
                hosts.add(new PlacedHost(new Host(provider.name(), kindOf(provider), region.id(), host.zone(), host.hostId(),
                        toEngine(host.capacity()), rate), usedByOthers));
            }
        }
        for (Region region : provider.regions()) {
            try {
                images.addAll(inventory.images(region.id()));
            } catch (ProviderException e) {
                // Images only check a request's image early; the create call still checks it.
                LOG.warnf("provider %s: images of %s cannot be read (%s); image references pass through unchecked",
                        provider.name(), region.id(), ProviderErrors.detail(e));
            }
        }
        return new ProviderInventory(hosts, offered, images);
    }

    /**
     * The offered flavors plus those of held servers that the provider no longer lists (a flavor
     * deleted while servers still run with it): those servers keep their resources from their
     * record, and must still be priced, or the price filter would drop their holds.
     */
    private static List<Flavor> withRetired(List<Flavor> offered, String provider, String region, List<HeldServer> held) {
        Set<String> known = new HashSet<>();
        offered.forEach(f -> known.add(f.id()));
        List<Flavor> all = new ArrayList<>(offered);
        for (HeldServer s : held) {
            if (s.provider().equals(provider) && s.region().equals(region) && known.add(s.flavor())) {
                var d = s.demand();
                all.add(new Flavor(s.flavor(), s.flavor(), new io.skydeck.connectors.spi.Resources(d.vcpu(), d.memoryMib(), d.gpu()), 0));
            }
        }
        return all;
    }

    /**
     * A public cloud hides its hosts (AWS reports none), so each zone becomes one virtual host
     * holding its share of the account's regional limit ({@code max-vcpus}, {@code max-memory-gib}):
     * the limit is regional, so it is split evenly over the zones rather than granted to each.
     * Skydeck's own servers count against it through the held placements; what others run in the
     * account does not, and the create call stays the arbiter. No limit configured: no hosts.
     */
    private List<PlacedHost> virtualHosts(CloudProvider provider, Region region, ProviderPlacement settings, HourlyRate rate,
                                          List<HeldServer> held) {
        if (settings.maxVcpus().isEmpty()) {
            LOG.infof("provider %s reports no hosts in %s and has no max-vcpus configured: nothing is placed there",
                    provider.name(), region.id());
            return List.of();
        }
        if (region.zones().isEmpty()) {
            LOG.warnf("provider %s: no zones known in %s; configure them to place servers there", provider.name(), region.id());
            return List.of();
        }
        int zones = region.zones().size();
        Resources share = new Resources(Math.max(1, settings.maxVcpus().get() / zones),
                Math.max(1024L, settings.memoryGib().orElseThrow() * 1024L / zones), 0);
        List<PlacedHost> out = new ArrayList<>();
        for (String zone : region.zones()) {
            out.add(new PlacedHost(new Host(provider.name(), kindOf(provider), region.id(), zone, VIRTUAL_HOST_PREFIX + zone,
                    share, rate), new Resources(0, 0, 0)));
        }
        return out;
    }

    /**
     * Prices per flavor: the provider's list price, else the configured one (per flavor, or vCPUs
     * times the flat rate). A flavor left without a price would be refused by the price filter
     * everywhere, so it is offered at zero, which the log says: a private cloud's real prices are
     * Skydeck's rate cards, not a list price.
     */
    private static HourlyRate rateOf(CloudProvider provider, String region, List<Flavor> offered, List<Flavor> flavors,
                                     Optional<PriceList> prices, ProviderPlacement settings) {
        Map<String, BigDecimal> rate = new HashMap<>();
        prices.ifPresent(p -> p.flavorPrices(region).forEach((FlavorPrice f) -> rate.put(f.flavorId(), f.hourly().amount())));
        int unpriced = 0;
        for (Flavor flavor : flavors) {
            if (!rate.containsKey(flavor.id())) {
                Optional<BigDecimal> configured = settings.priceOf(flavor);
                if (configured.isEmpty() && offered.contains(flavor)) {
                    unpriced++; // a retired flavor's servers are only kept, not placed: no warning for them
                }
                rate.put(flavor.id(), configured.orElse(BigDecimal.ZERO));
            }
        }
        if (unpriced > 0) {
            LOG.warnf("provider %s: %d flavor(s) in %s have no price (no price list, no flavor-prices or vcpu-hour-price); "
                    + "placement treats them as free", provider.name(), unpriced, region);
        }
        return new HourlyRate.PerFlavor(rate);
    }

    /** Live servers with a host, as {@link #heldServer} reads them; callers add conditions. */
    private static final String HELD_SERVERS = """
            SELECT id, tenant_id, provider, region, zone, host, flavor, vcpu, memory_mib, gpu, affinity_group,
                   anti_affinity_group, provider_server_id IS NOT NULL
            FROM server WHERE status NOT IN ('DELETED', 'FAILED') AND host IS NOT NULL""";

    /**
     * Live servers with a host: all of them, or those on {@code host} plus the members of the
     * tenant's affinity group {@code affinityGroup} (what a refused decision needs to learn).
     */
    @SuppressWarnings("unchecked")
    private List<HeldServer> heldServers(Optional<PlacementTarget> host, String tenantId, String affinityGroup) {
        String where = "";
        if (host.isPresent()) {
            where = " AND ((provider = ?1 AND region = ?2 AND zone = ?3 AND host = ?4)"
                    + " OR (tenant_id = CAST(?5 AS uuid) AND affinity_group = ?6))";
        }
        var query = em.createNativeQuery(HELD_SERVERS + where);
        host.ifPresent(t -> query.setParameter(1, t.provider()).setParameter(2, t.region()).setParameter(3, t.zone())
                .setParameter(4, t.hostId()).setParameter(5, tenantId)
                .setParameter(6, affinityGroup == null ? "" : affinityGroup));
        List<Object[]> rows = query.getResultList();
        return rows.stream().map(PlacementService::heldServer).toList();
    }

    /** The live servers with a host among {@code ids}. */
    @SuppressWarnings("unchecked")
    private List<HeldServer> heldServers(List<UUID> ids) {
        List<Object[]> rows = em.createNativeQuery(HELD_SERVERS + " AND id IN (?1)").setParameter(1, ids).getResultList();
        return rows.stream().map(PlacementService::heldServer).toList();
    }

    private static HeldServer heldServer(Object[] r) {
        return new HeldServer((UUID) r[0], r[1].toString(), (String) r[2], (String) r[3], (String) r[4],
                (String) r[5], (String) r[6],
                new Resources(((Number) r[7]).intValue(), ((Number) r[8]).longValue(), ((Number) r[9]).intValue()),
                (String) r[10], (String) r[11], (Boolean) r[12]);
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
