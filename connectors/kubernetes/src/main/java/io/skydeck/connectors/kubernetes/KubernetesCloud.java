package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CapabilitySet;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.Workloads;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One Kubernetes cluster as a Skydeck provider: {@link Workloads} (Deployments, StatefulSets,
 * DaemonSets), {@link SecurityGroups} (NetworkPolicies), {@link Inventory} (node capacity),
 * {@link TrafficControl} (a pod in or out of a Service, {@link ServiceTrafficControl}; weights and header
 * routes through an HTTPRoute where the cluster has a gateway, {@link GatewaySplit}),
 * {@link Deployments} (a pod's image changed in place, {@link PodImageInstalls}), plus {@link #tenantNamespaces()} for what the SPI cannot say.
 *
 * <pre>{@code
 * // in Quarkus: the client quarkus-kubernetes-client produces; the service closes it
 * var cluster = new KubernetesCloud(config, client, clock);
 * // elsewhere: the connector builds the client from the config and closes it on close()
 * var cluster = KubernetesCloud.connect(config, Clock.systemUTC());
 * }</pre>
 */
public final class KubernetesCloud implements CloudProvider {
    private final Cluster cluster;
    private final boolean ownsClient;
    private final CapabilitySet capabilities;
    private final KubernetesInventory inventory;
    private final TenantNamespaces tenantNamespaces;

    /** The client stays the caller's: {@link #close()} leaves it open. */
    public KubernetesCloud(KubernetesConfig config, KubernetesClient client, Clock clock) {
        this(config, client, clock, false);
    }

    private KubernetesCloud(KubernetesConfig config, KubernetesClient client, Clock clock, boolean ownsClient) {
        this.cluster = new Cluster(config.name(), config.region(), config.namespacePrefix(), client, clock,
                new KubernetesErrors(config.name()));
        this.ownsClient = ownsClient;
        this.inventory = new KubernetesInventory(cluster);
        this.tenantNamespaces = new TenantNamespaces(cluster);
        this.capabilities = CapabilitySet.empty()
                .with(Workloads.class, new KubernetesWorkloads(cluster))
                .with(Networks.class, new NamespaceNetworks(cluster))
                .with(NetworkPeerings.class, new NamespacePeerings(cluster))
                .with(SecurityGroups.class, new NetworkPolicySecurityGroups(cluster))
                .with(Inventory.class, inventory)
                .with(TrafficControl.class, new ServiceTrafficControl(cluster, config.gateway()))
                .with(Deployments.class, new PodImageInstalls(cluster));
    }

    /** Builds its own client from {@code config} (see {@link KubernetesClients}) and closes it on {@link #close()}. */
    public static KubernetesCloud connect(KubernetesConfig config, Clock clock) {
        return new KubernetesCloud(config, KubernetesClients.fromConfig(config), clock, true);
    }

    @Override
    public String name() {
        return cluster.provider();
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.KUBERNETES;
    }

    /**
     * The cluster is one region; its zones are read from the nodes on every call. When the
     * cluster cannot be reached the region is reported without zones rather than failing
     * the caller's provider listing; {@link #health()} says what went wrong.
     */
    @Override
    public List<Region> regions() {
        try {
            return List.of(new Region(cluster.region(), inventory.zones()));
        } catch (ProviderException e) {
            return List.of(new Region(cluster.region(), List.of()));
        }
    }

    @Override
    public Set<CapabilityKind> capabilities() {
        return capabilities.kinds();
    }

    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        return capabilities.get(type);
    }

    public TenantNamespaces tenantNamespaces() {
        return tenantNamespaces;
    }

    /**
     * Lists one Skydeck namespace, then reads /version. The list proves the credentials and
     * RBAC; /version alone would not, since clusters serve it to anonymous callers.
     */
    @Override
    public ProviderHealth health() {
        var now = cluster.clock().instant();
        try {
            cluster.errors().call(ResourceType.REGION, cluster.region(), () -> cluster.client().namespaces()
                    .withLabel(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE)
                    .list(new ListOptionsBuilder().withLimit(1L).build()));
            var version = cluster.errors().call(ResourceType.REGION, cluster.region(), () -> cluster.client().getKubernetesVersion());
            return new ProviderHealth(ProviderHealth.State.UP, "Kubernetes " + version.getGitVersion(), now);
        } catch (ProviderException e) {
            return new ProviderHealth(ProviderHealth.State.DOWN, e.getMessage(), now);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            cluster.client().close();
        }
    }

    @Override
    public String toString() {
        return "KubernetesCloud[" + cluster.provider() + ", region " + cluster.region() + "]";
    }
}
