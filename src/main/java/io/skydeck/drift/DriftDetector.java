package io.skydeck.drift;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Workloads;
import io.skydeck.drift.DriftComparison.InCloud;
import io.skydeck.drift.DriftComparison.Recorded;
import io.skydeck.drift.DriftFinding.Kind;
import io.skydeck.drift.DriftFinding.ResourceType;
import io.skydeck.network.SecurityGroupService;
import io.skydeck.network.TenantSecurityGroup;
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
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * The inventory sync: lists each provider's servers, workloads, networks, subnets, public addresses and security groups, compares them with Skydeck's
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
    SecurityGroupService securityGroupService;

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

    /**
     * One kind of resource the sync compares: how Skydeck's live records of it are read (by
     * provider) and how the provider lists it. A provider without the capability lists nothing.
     */
    private record Watched(ResourceType type, String recordedSql, Function<CloudProvider, List<InCloud>> listed) {
    }

    private static final List<Watched> WATCHED = List.of(
            new Watched(ResourceType.SERVER, """
                    SELECT id, tenant_id, name, region, provider_server_id, status = 'DELETING'
                    FROM server WHERE provider = ?1 AND status NOT IN ('DELETED', 'FAILED')""",
                    p -> p.capability(Servers.class).map(s -> s.list().stream()
                            .map(v -> new InCloud(v.id(), v.token(), v.name(), v.region())).toList()).orElse(List.of())),
            new Watched(ResourceType.WORKLOAD, """
                    SELECT id, tenant_id, name, region, provider_workload_id, status = 'DELETING'
                    FROM workload WHERE provider = ?1 AND status NOT IN ('DELETED', 'FAILED')""",
                    p -> p.capability(Workloads.class).map(w -> w.list().stream()
                            .map(v -> new InCloud(v.id(), v.token(), v.name(), v.region())).toList()).orElse(List.of())),
            new Watched(ResourceType.NETWORK, """
                    SELECT id, tenant_id, name, region, provider_network_id, status = 'DELETING'
                    FROM network WHERE provider = ?1 AND status NOT IN ('DELETED', 'FAILED')""",
                    p -> p.capability(Networks.class).map(n -> n.listNetworks().stream()
                            .map(v -> new InCloud(v.id(), v.token(), v.name(), v.region())).toList()).orElse(List.of())),
            // A subnet still PENDING was never asked for; one DELETING goes with its network's delete.
            new Watched(ResourceType.SUBNET, """
                    SELECT s.id, s.tenant_id, n.name || '/' || s.zone, n.region, s.provider_subnet_id, s.status = 'DELETING'
                    FROM subnet s JOIN network n ON n.id = s.network_id
                    WHERE n.provider = ?1 AND s.status NOT IN ('DELETED', 'FAILED', 'PENDING')""",
                    p -> p.capability(Networks.class).map(n -> n.listNetworks().stream()
                            .flatMap(network -> n.listSubnets(network.id()).stream())
                            .map(v -> new InCloud(v.id(), v.token(), v.name(), v.region())).toList()).orElse(List.of())),
            new Watched(ResourceType.PUBLIC_IP, """
                    SELECT id, tenant_id, coalesce(address, ''), region, provider_public_ip_id, status = 'RELEASING'
                    FROM public_ip WHERE provider = ?1 AND status NOT IN ('RELEASED', 'FAILED')""",
                    p -> p.capability(PublicIps.class).map(ips -> ips.list().stream()
                            .map(v -> new InCloud(v.id(), v.token(), v.address(), v.region())).toList()).orElse(List.of())),
            // Listed once per sync by sync() itself, which also compares each group's rules.
            new Watched(ResourceType.SECURITY_GROUP, """
                    SELECT id, tenant_id, name, region, provider_group_id, status = 'DELETING'
                    FROM security_group WHERE provider = ?1 AND status NOT IN ('DELETED', 'FAILED')""", null));

    /** Syncs every provider that runs anything Skydeck records, one after the other. */
    public List<SyncResult> syncAll() {
        List<SyncResult> results = new ArrayList<>();
        for (CloudProvider provider : providers.all()) {
            if (provider.capability(Servers.class).isPresent() || provider.capability(Workloads.class).isPresent()
                    || provider.capability(Networks.class).isPresent() || provider.capability(PublicIps.class).isPresent()
                    || provider.capability(SecurityGroups.class).isPresent()) {
                results.add(sync(provider));
            }
        }
        return results;
    }

    public SyncResult sync(CloudProvider provider) {
        String name = provider.name();
        Map<ResourceType, List<Recorded>> before = QuarkusTransaction.requiringNew().call(() -> recorded(name));
        Map<ResourceType, List<InCloud>> listed = new EnumMap<>(ResourceType.class);
        Map<String, ProviderSecurityGroup> securityGroups = new HashMap<>();
        try {
            for (Watched watched : WATCHED) {
                if (watched.listed() != null) {
                    listed.put(watched.type(), watched.listed().apply(provider));
                }
            }
            provider.capability(SecurityGroups.class).ifPresent(sg -> sg.list().forEach(g -> securityGroups.put(g.id(), g)));
            listed.put(ResourceType.SECURITY_GROUP, securityGroups.values().stream()
                    .map(g -> new InCloud(g.id(), g.token(), g.name(), g.region())).toList());
        } catch (ProviderException e) {
            String error = ProviderErrors.detail(e);
            LOG.warnf("drift sync of %s failed: %s", name, error);
            QuarkusTransaction.requiringNew().run(() -> store.failed(name, error, now()));
            return new SyncResult(name, 0, 0, Optional.of(error));
        }
        Map<ResourceType, List<Recorded>> after = QuarkusTransaction.requiringNew().call(() -> recorded(name));
        List<DriftFinding> findings = new ArrayList<>();
        for (Watched watched : WATCHED) {
            findings.addAll(DriftComparison.compare(name, watched.type(), listed.get(watched.type()), before.get(watched.type()),
                    after.get(watched.type())));
        }
        for (SecurityGroupService.Divergence divergence : QuarkusTransaction.requiringNew()
                .call(() -> securityGroupService.divergences(name, securityGroups))) {
            TenantSecurityGroup g = divergence.group();
            findings.add(new DriftFinding(name, Kind.CHANGED, DriftFinding.Origin.RECORDED, ResourceType.SECURITY_GROUP,
                    g.providerGroupId(), g.id(), g.tenantId(), g.name(), g.region(), divergence.detail()));
        }
        QuarkusTransaction.requiringNew().run(() -> store.replace(name, findings, now()));
        int orphans = (int) findings.stream().filter(f -> f.kind() == Kind.ORPHAN).count();
        int ghosts = (int) findings.stream().filter(f -> f.kind() == Kind.GHOST).count();
        int changed = findings.size() - orphans - ghosts;
        gauges.set(name, Kind.ORPHAN, orphans);
        gauges.set(name, Kind.GHOST, ghosts);
        gauges.set(name, Kind.CHANGED, changed);
        if (!findings.isEmpty()) {
            LOG.infof("drift on %s: %d orphan(s), %d ghost(s), %d changed", name, orphans, ghosts, changed);
        }
        return new SyncResult(name, orphans, ghosts, Optional.empty());
    }

    private OffsetDateTime now() {
        return OffsetDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    @SuppressWarnings("unchecked")
    private Map<ResourceType, List<Recorded>> recorded(String provider) {
        Map<ResourceType, List<Recorded>> recorded = new EnumMap<>(ResourceType.class);
        for (Watched watched : WATCHED) {
            List<Object[]> rows = em.createNativeQuery(watched.recordedSql()).setParameter(1, provider).getResultList();
            recorded.put(watched.type(), rows.stream().map(DriftDetector::recorded).toList());
        }
        return recorded;
    }

    private static Recorded recorded(Object[] r) {
        return new Recorded((UUID) r[0], (UUID) r[1], (String) r[2], (String) r[3], (String) r[4], (Boolean) r[5]);
    }
}
