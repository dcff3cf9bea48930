package io.skydeck.providers;

import io.quarkus.runtime.ShutdownEvent;
import io.skydeck.connectors.sandbox.SandboxCloud;
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

/** The configured clouds, by name. With nothing configured it serves the sandbox. */
@ApplicationScoped
public class ProviderRegistry {

    private static final Logger LOG = Logger.getLogger(ProviderRegistry.class);

    @Inject
    SkydeckConfig config;

    @Inject
    Clock clock;

    private final Map<String, CloudProvider> providers = new LinkedHashMap<>();

    @PostConstruct
    void open() {
        if (config.sandbox().enabled()) {
            SandboxTopology topology = SandboxTopology.defaultTopology();
            if (!config.sandbox().realisticLatency()) {
                topology = topology.withLatency(SandboxTopology.Latency.NONE);
            }
            java.nio.file.Path state = config.dataDir().resolve("sandbox");
            if (config.sandbox().freshStart()) {
                forget(state);
            }
            register(new SandboxCloud(SandboxCloud.DEFAULT_NAME, topology, state, clock));
        }
    }

    private static void forget(java.nio.file.Path dir) {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (var files = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.delete(p);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot reset the sandbox state in " + dir, e);
        }
    }

    void close(@Observes ShutdownEvent event) {
        providers.values().forEach(CloudProvider::close);
    }

    public synchronized void register(CloudProvider provider) {
        providers.put(provider.name(), provider);
        LOG.infof("provider %s (%s) with regions %s", provider.name(), provider.kind(), provider.regions());
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

    public CloudProvider get(String name) {
        return find(name).orElseThrow(() -> new ProblemException(ProblemType.CONFLICT,
                "provider '" + name + "' is not configured on this Skydeck"));
    }
}
