package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SubnetSpec;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A tenant network on Kubernetes is a namespace, {@code prefix + name}, holding a default-deny
 * NetworkPolicy ({@value #DEFAULT_DENY}: every pod, Ingress, no rule) — nothing reaches a pod
 * of it until a security group ({@link NetworkPolicySecurityGroups}) lets it in; egress stays
 * open, as a policy denying it would cut DNS. The network's id is the namespace's name.
 *
 * <p>Kubernetes has no subnets and no per-namespace address range: pods take addresses from the
 * CNI's IPAM. So {@link NetworkSpec#cidr()} is kept as an annotation for the reader, never
 * enforced, and subnet calls are refused ("NoSubnets") rather than pretended.
 *
 * <p>Deleting refuses while workloads or pods are in the namespace, then deletes the namespace,
 * which takes its policies with it; the poll follows it through Terminating.
 */
final class NamespaceNetworks implements Networks {
    static final String DEFAULT_DENY = "skydeck-default-deny";
    /** Marks a namespace made as a network, beside the managed-by label every Skydeck namespace has. */
    static final String NETWORK = "skydeck.io/network";
    static final String CIDR = "skydeck.io/cidr";

    private final Cluster cluster;

    NamespaceNetworks(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public OperationHandle createNetwork(NetworkSpec spec, IdempotencyToken token) {
        cluster.requireRegion(spec.region());
        String name = namespaceOf(spec.name());
        var existing = read(name);
        if (existing.isPresent()) {
            String owner = labels(existing.get()).get(SkydeckLabels.IDEMPOTENCY_TOKEN);
            if (!token.value().equals(owner)) {
                throw new RequestRejected(cluster.provider(), "Namespace " + name + " already exists and was not created by this request.",
                        "AlreadyExists", null);
            }
        } else {
            create(namespace(spec, name, token));
        }
        // Also on a repeat: a crash between the two creates leaves a namespace without its policy.
        cluster.errors().call(ResourceType.SECURITY_GROUP, name + "/" + DEFAULT_DENY,
                () -> cluster.client().resource(defaultDeny(name)).createOr(NonDeletingOperation::update));
        return handle(OperationKind.CREATE, ResourceType.NETWORK, name, Optional.of(token));
    }

    @Override
    public OperationHandle deleteNetwork(String networkId, IdempotencyToken token) {
        cluster.requireTenantNamespace(networkId);
        var namespace = read(networkId).orElseThrow(() -> notFound(networkId));
        if (!"true".equals(labels(namespace).get(NETWORK))) {
            throw new RequestRejected(cluster.provider(), "Namespace " + networkId + " is not a Skydeck network.", "NamespaceNotManaged", null);
        }
        List<String> users = users(networkId);
        if (!users.isEmpty()) {
            throw new RequestRejected(cluster.provider(), "Network " + networkId + " is still used by " + String.join(", ", users) + ".",
                    "NetworkInUse", null);
        }
        cluster.errors().call(ResourceType.NETWORK, networkId, () -> cluster.client().namespaces().withName(networkId).delete());
        return handle(OperationKind.DELETE, ResourceType.NETWORK, networkId, Optional.of(token));
    }

    @Override
    public OperationHandle createSubnet(SubnetSpec spec, IdempotencyToken token) {
        throw noSubnets();
    }

    @Override
    public OperationHandle deleteSubnet(String subnetId, IdempotencyToken token) {
        throw noSubnets();
    }

    @Override
    public Optional<ProviderNetwork> getNetwork(String networkId) {
        if (!cluster.isTenantNamespace(networkId)) {
            return Optional.empty();
        }
        return read(networkId).filter(ns -> "true".equals(labels(ns).get(NETWORK))).map(this::convert);
    }

    @Override
    public Optional<ProviderSubnet> getSubnet(String subnetId) {
        return Optional.empty();
    }

    @Override
    public Optional<ResourceRef> findByToken(IdempotencyToken token) {
        return networks().stream().filter(ns -> token.value().equals(labels(ns).get(SkydeckLabels.IDEMPOTENCY_TOKEN))).findFirst()
                .map(ns -> new ResourceRef(ResourceType.NETWORK, ns.getMetadata().getName(), cluster.region()));
    }

    @Override
    public List<ProviderNetwork> listNetworks() {
        return networks().stream().map(this::convert).toList();
    }

    @Override
    public List<ProviderSubnet> listSubnets(String networkId) {
        getNetwork(networkId).orElseThrow(() -> notFound(networkId));
        return List.of();
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        if (!handle.provider().equals(cluster.provider()) || handle.resource().type() != ResourceType.NETWORK) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(),
                    "Operation " + handle.operationId() + " was not issued by the networks of " + cluster.provider() + ".");
        }
        Instant now = cluster.clock().instant();
        var namespace = read(handle.resource().id());
        String phase = namespace.map(ns -> ns.getStatus() == null ? null : ns.getStatus().getPhase()).orElse(null);
        if (handle.kind() == OperationKind.DELETE) {
            return namespace.isEmpty() ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.InProgress(handle, "Terminating");
        }
        if (namespace.isEmpty() || "Terminating".equals(phase)) {
            return new OperationStatus.Failed(handle, now, new ResourceNotFound(cluster.provider(), ResourceType.NETWORK,
                    handle.resource().id(), "Namespace " + handle.resource().id() + " was removed again."));
        }
        boolean denied = cluster.errors().call(ResourceType.SECURITY_GROUP, DEFAULT_DENY, () -> cluster.client().network().v1()
                .networkPolicies().inNamespace(handle.resource().id()).withName(DEFAULT_DENY).get()) != null;
        return denied ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.InProgress(handle, "default-deny policy missing");
    }

    static Namespace namespace(NetworkSpec spec, String name, IdempotencyToken token) {
        var labels = new LinkedHashMap<String, String>();
        labels.put(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE);
        labels.put(NETWORK, "true");
        labels.put(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value());
        var annotations = new LinkedHashMap<String, String>();
        annotations.put(SkydeckLabels.TAGS, Serialization.asJson(new TreeMap<>(spec.tags())));
        spec.cidr().ifPresent(cidr -> annotations.put(CIDR, cidr));
        return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).withAnnotations(annotations).endMetadata().build();
    }

    static NetworkPolicy defaultDeny(String namespace) {
        return new NetworkPolicyBuilder().withNewMetadata().withName(DEFAULT_DENY).withNamespace(namespace)
                .withLabels(Map.of(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE)).endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Ingress").endSpec().build();
    }

    private String namespaceOf(String networkName) {
        String name = cluster.namespacePrefix() + networkName;
        if (!networkName.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || name.length() > 63) {
            throw new RequestRejected(cluster.provider(), "Network name " + networkName + " does not make a namespace name (lower-case DNS label, "
                    + (63 - cluster.namespacePrefix().length()) + " characters at most).", "Invalid", null);
        }
        return name;
    }

    private void create(Namespace namespace) {
        try {
            cluster.client().resource(namespace).create();
        } catch (KubernetesClientException e) {
            throw cluster.errors().translate(e, ResourceType.NETWORK, namespace.getMetadata().getName());
        }
    }

    /** Workloads and pods in the namespace, as "Deployment web", "Pod web-5d8f-abcde". */
    private List<String> users(String namespace) {
        var client = cluster.client();
        List<HasMetadata> found = new ArrayList<>();
        cluster.errors().call(ResourceType.NETWORK, namespace, () -> {
            found.addAll(client.apps().deployments().inNamespace(namespace).list().getItems());
            found.addAll(client.apps().statefulSets().inNamespace(namespace).list().getItems());
            found.addAll(client.apps().daemonSets().inNamespace(namespace).list().getItems());
            found.addAll(client.pods().inNamespace(namespace).list().getItems());
            return null;
        });
        return found.stream().map(object -> object.getKind() + " " + object.getMetadata().getName()).toList();
    }

    private Optional<Namespace> read(String name) {
        return Optional.ofNullable(cluster.errors().call(ResourceType.NETWORK, name, () -> cluster.client().namespaces().withName(name).get()));
    }

    private List<Namespace> networks() {
        return cluster.errors().call(ResourceType.NETWORK, "*", () -> cluster.client().namespaces()
                        .withLabel(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE).withLabel(NETWORK, "true").list().getItems())
                .stream().filter(ns -> cluster.isTenantNamespace(ns.getMetadata().getName())).toList();
    }

    @SuppressWarnings("unchecked")
    private ProviderNetwork convert(Namespace namespace) {
        var metadata = namespace.getMetadata();
        var annotations = metadata.getAnnotations() == null ? Map.<String, String>of() : metadata.getAnnotations();
        String json = annotations.get(SkydeckLabels.TAGS);
        Map<String, String> tags = json == null ? Map.of() : new HashMap<String, String>(Serialization.unmarshal(json, Map.class));
        Optional<IdempotencyToken> token = Optional.ofNullable(labels(namespace).get(SkydeckLabels.IDEMPOTENCY_TOKEN))
                .filter(value -> value.matches("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")).map(IdempotencyToken::of);
        String name = metadata.getName().substring(cluster.namespacePrefix().length());
        return new ProviderNetwork(metadata.getName(), name, cluster.region(), Optional.ofNullable(annotations.get(CIDR)), token, tags);
    }

    private OperationHandle handle(OperationKind kind, ResourceType type, String id, Optional<IdempotencyToken> token) {
        return new OperationHandle(cluster.provider(), kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + id, kind,
                new ResourceRef(type, id, cluster.region()), token, cluster.clock().instant());
    }

    private RequestRejected noSubnets() {
        return new RequestRejected(cluster.provider(), "Kubernetes networks have no subnets: pods take addresses from the cluster's CNI.",
                "NoSubnets", null);
    }

    private ResourceNotFound notFound(String networkId) {
        return new ResourceNotFound(cluster.provider(), ResourceType.NETWORK, networkId, "Network " + networkId + " not found.");
    }

    private static Map<String, String> labels(HasMetadata object) {
        return object.getMetadata().getLabels() == null ? Map.of() : object.getMetadata().getLabels();
    }
}
