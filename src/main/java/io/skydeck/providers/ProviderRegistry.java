package io.skydeck.providers;

import io.quarkus.runtime.ShutdownEvent;
import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.connectors.sandbox.DatabaseStateStore;
import io.skydeck.connectors.sandbox.FileStateStore;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxStateStore;
import io.skydeck.connectors.sandbox.SandboxTopology;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.platform.config.SkydeckConfig;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The configured clouds, by name: the sandbox (unless {@code skydeck.sandbox.enabled=false}) and
 * every provider under {@code skydeck.providers.*}, built at start-up.
 *
 * <p>Real providers are handed out behind their {@link CircuitBreaker}. The sandbox is not: it runs
 * in-process, so there is nothing to protect, and its injected faults are test instruments that
 * must reach the caller exactly as injected (tests also reach it as a {@code SandboxCloud}).
 */
@ApplicationScoped
public class ProviderRegistry {

    private static final Logger LOG = Logger.getLogger(ProviderRegistry.class);

    @Inject
    SkydeckConfig config;

    @Inject
    Clock clock;

    private final Map<String, CloudProvider> providers = new LinkedHashMap<>();
    private final Map<String, ProviderPlacement> placement = new LinkedHashMap<>();
    private final Map<String, InventoryState> inventories = new java.util.concurrent.ConcurrentHashMap<>();

    @PostConstruct
    void open() {
        if (config.sandbox().enabled()) {
            SandboxTopology topology = sandboxTopology();
            if (!config.sandbox().realisticLatency()) {
                topology = topology.withLatency(SandboxTopology.Latency.NONE);
            }
            SandboxStateStore store = config.sandbox().sharedState()
                    ? new DatabaseStateStore(ProviderRegistry::openSandboxConnection, SandboxCloud.DEFAULT_NAME)
                    : new FileStateStore(config.dataDir().resolve("sandbox"));
            if (config.sandbox().freshStart()) {
                store.forget();
            }
            SandboxCloud sandbox = new SandboxCloud(SandboxCloud.DEFAULT_NAME, topology, store, clock);
            config.sandbox().artifactDefects().forEach((artifact, percent) ->
                    sandbox.traffic().markDefective(ArtifactDefect.failsIgnition(artifact, percent)));
            register(sandbox);
        }
        ProvidersConfig configured = config.providers();
        configured.openstack().forEach((name, c) -> configure(name, c, ConfiguredClouds.openStack(name, c, clock)));
        configured.aws().forEach((name, c) -> configure(name, c, ConfiguredClouds.aws(name, c, clock)));
        configured.kubernetes().forEach((name, c) -> configure(name, c, ConfiguredClouds.kubernetes(name, c, clock)));
        if (providers.isEmpty()) {
            LOG.warn("no provider is configured and the sandbox is disabled: nothing can be placed");
        }
    }

    private void configure(String name, ProvidersConfig.Common settings, CloudProvider cloud) {
        if (providers.containsKey(name)) {
            cloud.close();
            throw new IllegalStateException("two providers are named '" + name + "'; provider names are unique across kinds");
        }
        var breaker = new CircuitBreaker(name, config.providers().circuitBreaker().failureThreshold(),
                config.providers().circuitBreaker().coolDown(), clock);
        placement.put(name, ProviderPlacement.of(settings));
        register(new GuardedProvider(cloud, breaker, clock));
    }

    private SandboxTopology sandboxTopology() {
        Optional<java.nio.file.Path> file = config.sandbox().topologyFile();
        if (file.isEmpty()) {
            return SandboxTopology.defaultTopology();
        }
        try {
            return SandboxTopology.read(file.get());
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("skydeck.sandbox.topology-file " + file.get() + " cannot be read: " + e.getMessage(), e);
        }
    }

    /**
     * A connection of the sandbox's own to the service's database, outside the service's pool:
     * the sandbox plays a remote cloud, so its writes must never join a transaction of ours.
     */
    private static java.sql.Connection openSandboxConnection() throws java.sql.SQLException {
        var settings = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        String url = settings.getValue("quarkus.datasource.jdbc.url", String.class);
        String user = settings.getOptionalValue("quarkus.datasource.username", String.class).orElse(null);
        String password = settings.getOptionalValue("quarkus.datasource.password", String.class).orElse(null);
        return java.sql.DriverManager.getConnection(url, user, password);
    }

    void close(@Observes ShutdownEvent event) {
        providers.values().forEach(CloudProvider::close);
    }

    public synchronized void register(CloudProvider provider) {
        providers.put(provider.name(), provider);
        // Kind and capabilities only: regions() may ask the cloud, and start-up must not wait on it.
        LOG.infof("provider %s (%s) with %s", provider.name(), provider.kind(), provider.capabilities());
    }

    /** Swaps a provider for another of the same name — what a test does to "restart" a cloud. */
    public synchronized void replace(CloudProvider provider) {
        CloudProvider old = providers.put(provider.name(), provider);
        if (old != null && old != provider) {
            old.close();
        }
    }

    public synchronized Collection<CloudProvider> all() {
        return java.util.List.copyOf(providers.values());
    }

    public synchronized Optional<CloudProvider> find(String name) {
        return Optional.ofNullable(providers.get(name));
    }

    /** The provider's circuit, empty for the sandbox (which has none). */
    public Optional<CircuitBreaker.Snapshot> circuit(String name) {
        return find(name).filter(GuardedProvider.class::isInstance).map(p -> ((GuardedProvider) p).breaker().snapshot());
    }

    /** Notes how this replica's last inventory read of a provider went (placement reads them). */
    public void recordInventory(String name, InventoryState state) {
        inventories.put(name, state);
    }

    /** How this replica's last inventory read of the provider went; empty before the first, or for a provider without servers. */
    public Optional<InventoryState> inventory(String name) {
        return Optional.ofNullable(inventories.get(name));
    }

    /** What placement must be told about the provider: limits and prices from configuration. */
    public synchronized ProviderPlacement placement(String name) {
        return placement.getOrDefault(name, ProviderPlacement.NONE);
    }

    public CloudProvider get(String name) {
        return find(name).orElseThrow(() -> new ProblemException(ProblemType.CONFLICT,
                "provider '" + name + "' is not configured on this Skydeck"));
    }
}
