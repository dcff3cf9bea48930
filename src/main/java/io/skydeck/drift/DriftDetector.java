package io.skydeck.drift;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Workloads;
import io.skydeck.drift.DriftComparison.InCloud;
import io.skydeck.drift.DriftComparison.Recorded;
import io.skydeck.drift.DriftFinding.Kind;
import io.skydeck.drift.DriftFinding.ResourceType;
import io.skydeck.providers.ProviderErrors;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The inventory sync: lists each provider's servers and workloads, compares them with Skydeck's
 * records ({@link DriftComparison}) and stores what disagrees as that provider's latest findings.
 * A provider that cannot be listed keeps its previous findings and gets the error recorded.
 */
@ApplicationScoped
public class DriftDetector {

    private static final Logger LOG = Logger.getLogger(DriftDetector.class);

    /** How a sync of one provider ended. */
    public record SyncResult(String provider, int orphans, int ghosts, Optional<String> error) {
    }

    @Inject
    ProviderRegistry providers;

    @Inject
    DriftStore store;

    @Inject
    DriftGauges gauges;

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    void restoreGauges(@Observes StartupEvent event) {
        QuarkusTransaction.requiringNew().run(() -> store.counts().forEach(c -> gauges.set(c.provider(), c.kind(), c.count())));
    }

    @Scheduled(identity = "drift-sync", every = "${skydeck.drift.interval:5m}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        syncAll();
    }

    /** Syncs every provider that runs servers or workloads, one after the other. */
    public List<SyncResult> syncAll() {
        List<SyncResult> results = new ArrayList<>();
        for (CloudProvider provider : providers.all()) {
            if (provider.capability(Servers.class).isPresent() || provider.capability(Workloads.class).isPresent()) {
                results.add(sync(provider));
            }
        }
        return results;
    }

    public SyncResult sync(CloudProvider provider) {
        String name = provider.name();
        List<Recorded> serversBefore = QuarkusTransaction.requiringNew().call(() -> recordedServers(name));
        List<Recorded> workloadsBefore = QuarkusTransaction.requiringNew().call(() -> recordedWorkloads(name));
        List<InCloud> servers;
        List<InCloud> workloads;
        try {
            servers = provider.capability(Servers.class).map(s -> s.list().stream()
                    .map(v -> new InCloud(v.id(), v.token(), v.name(), v.region())).toList()).orElse(List.of());
            workloads = provider.capability(Workloads.class).map(w -> w.list().stream()
                    .map(v -> new InCloud(v.id(), v.token(), v.name(), v.region())).toList()).orElse(List.of());
        } catch (ProviderException e) {
            String error = ProviderErrors.detail(e);
            LOG.warnf("drift sync of %s failed: %s", name, error);
            QuarkusTransaction.requiringNew().run(() -> store.failed(name, error, now()));
            return new SyncResult(name, 0, 0, Optional.of(error));
        }
        List<Recorded> serversAfter = QuarkusTransaction.requiringNew().call(() -> recordedServers(name));
        List<Recorded> workloadsAfter = QuarkusTransaction.requiringNew().call(() -> recordedWorkloads(name));
        List<DriftFinding> findings = new ArrayList<>(
                DriftComparison.compare(name, ResourceType.SERVER, servers, serversBefore, serversAfter));
        findings.addAll(DriftComparison.compare(name, ResourceType.WORKLOAD, workloads, workloadsBefore, workloadsAfter));
        QuarkusTransaction.requiringNew().run(() -> store.replace(name, findings, now()));
        int orphans = (int) findings.stream().filter(f -> f.kind() == Kind.ORPHAN).count();
        int ghosts = findings.size() - orphans;
        gauges.set(name, Kind.ORPHAN, orphans);
        gauges.set(name, Kind.GHOST, ghosts);
        if (!findings.isEmpty()) {
            LOG.infof("drift on %s: %d orphan(s), %d ghost(s)", name, orphans, ghosts);
        }
        return new SyncResult(name, orphans, ghosts, Optional.empty());
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    @SuppressWarnings("unchecked")
    private List<Recorded> recordedServers(String provider) {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, tenant_id, name, region, provider_server_id, status = 'DELETING'
                FROM server WHERE provider = ?1 AND status NOT IN ('DELETED', 'FAILED')""")
                .setParameter(1, provider).getResultList();
        return rows.stream().map(DriftDetector::recorded).toList();
    }

    @SuppressWarnings("unchecked")
    private List<Recorded> recordedWorkloads(String provider) {
        List<Object[]> rows = em.createNativeQuery("""
                SELECT id, tenant_id, name, region, provider_workload_id, status = 'DELETING'
                FROM workload WHERE provider = ?1 AND status NOT IN ('DELETED', 'FAILED')""")
                .setParameter(1, provider).getResultList();
        return rows.stream().map(DriftDetector::recorded).toList();
    }

    private static Recorded recorded(Object[] r) {
        return new Recorded((UUID) r[0], (UUID) r[1], (String) r[2], (String) r[3], (String) r[4], (Boolean) r[5]);
    }
}
