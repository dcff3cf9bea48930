package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Two network namespaces of one cluster peered: the pods of one cluster already route to each
 * other, so what joins two networks is policy — each namespace gets a NetworkPolicy
 * {@code skydeck-peering-<other namespace>} admitting ingress from every pod of the other
 * namespace (namespaceSelector on {@code kubernetes.io/metadata.name}), next to its default-deny.
 * The peering's id is "namespace-a~namespace-b"; both policies carry the token as a label. A
 * cluster is one region, and it offers no VPN: a link from it to another provider is refused by
 * the service when it is asked for.
 */
final class NamespacePeerings implements NetworkPeerings {
    static final String POLICY_PREFIX = "skydeck-peering-";
    static final String PEERING = "skydeck.io/peering";
    private static final String SEPARATOR = "~";

    private final Cluster cluster;

    NamespacePeerings(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public boolean acrossRegions() {
        return false;
    }

    @Override
    public OperationHandle createPeering(PeeringSpec spec, IdempotencyToken token) {
        cluster.requireRegion(spec.local().region());
        cluster.requireRegion(spec.peer().region());
        String a = spec.local().networkId();
        String b = spec.peer().networkId();
        for (String namespace : new String[] {a, b}) {
            cluster.requireTenantNamespace(namespace);
            if (cluster.errors().call(ResourceType.NETWORK, namespace, () -> cluster.client().namespaces().withName(namespace).get()) == null) {
                throw new ResourceNotFound(cluster.provider(), ResourceType.NETWORK, namespace, "Network " + namespace + " not found.");
            }
        }
        if (a.equals(b)) {
            throw new RequestRejected(cluster.provider(), "Network " + a + " cannot be peered with itself.", "Invalid", null);
        }
        String id = a + SEPARATOR + b;
        for (NetworkPolicy policy : new NetworkPolicy[] {admitting(a, b, id, token), admitting(b, a, id, token)}) {
            cluster.errors().call(ResourceType.NETWORK_PEERING, id,
                    () -> cluster.client().resource(policy).createOr(NonDeletingOperation::update));
        }
        return handle(OperationKind.CREATE, id, Optional.of(token));
    }

    /** The policy in {@code namespace} letting every pod of {@code other} in. */
    static NetworkPolicy admitting(String namespace, String other, String peeringId, IdempotencyToken token) {
        var labels = new LinkedHashMap<String, String>();
        labels.put(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE);
        labels.put(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value());
        var annotations = Map.of(PEERING, peeringId);
        return new NetworkPolicyBuilder().withNewMetadata().withName(POLICY_PREFIX + other).withNamespace(namespace)
                .withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Ingress")
                .addNewIngress().addNewFrom().withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", other)
                .endNamespaceSelector().endFrom().endIngress()
                .endSpec().build();
    }

    @Override
    public OperationHandle deletePeering(String peeringId, IdempotencyToken token) {
        String[] ends = ends(peeringId);
        if (policy(ends[0], ends[1]).isEmpty() && policy(ends[1], ends[0]).isEmpty()) {
            throw notFound(peeringId);
        }
        for (String[] pair : new String[][] {{ends[0], ends[1]}, {ends[1], ends[0]}}) {
            cluster.errors().call(ResourceType.NETWORK_PEERING, peeringId, () -> cluster.client().network().v1().networkPolicies()
                    .inNamespace(pair[0]).withName(POLICY_PREFIX + pair[1]).delete());
        }
        return handle(OperationKind.DELETE, peeringId, Optional.of(token));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        if (!handle.provider().equals(cluster.provider()) || handle.resource().type() != ResourceType.NETWORK_PEERING) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(),
                    "Operation " + handle.operationId() + " was not issued by the peerings of " + cluster.provider() + ".");
        }
        Instant now = cluster.clock().instant();
        String[] ends = ends(handle.resource().id());
        boolean both = policy(ends[0], ends[1]).isPresent() && policy(ends[1], ends[0]).isPresent();
        boolean none = policy(ends[0], ends[1]).isEmpty() && policy(ends[1], ends[0]).isEmpty();
        if (handle.kind() == OperationKind.DELETE) {
            return none ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.InProgress(handle, "deleting policies");
        }
        return both ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.Failed(handle, now, new ResourceNotFound(
                cluster.provider(), ResourceType.NETWORK_PEERING, handle.resource().id(), "A policy of peering " + handle.resource().id()
                + " was removed again."));
    }

    @Override
    public Optional<ProviderPeering> getPeering(String peeringId) {
        String[] ends = ends(peeringId);
        return policy(ends[0], ends[1]).filter(p -> policy(ends[1], ends[0]).isPresent()).map(p -> convert(peeringId, p));
    }

    @Override
    public Optional<ProviderPeering> findPeeringByToken(IdempotencyToken token) {
        return cluster.errors().call(ResourceType.NETWORK_PEERING, token.value(), () -> cluster.client().network().v1().networkPolicies()
                        .inAnyNamespace().withLabel(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value()).list().getItems()).stream()
                .filter(p -> p.getMetadata().getAnnotations() != null && p.getMetadata().getAnnotations().containsKey(PEERING))
                .findFirst().flatMap(p -> getPeering(p.getMetadata().getAnnotations().get(PEERING)));
    }

    private ProviderPeering convert(String peeringId, NetworkPolicy policy) {
        String[] ends = ends(peeringId);
        Optional<IdempotencyToken> token = Optional.ofNullable(policy.getMetadata().getLabels())
                .map(labels -> labels.get(SkydeckLabels.IDEMPOTENCY_TOKEN)).map(IdempotencyToken::of);
        return new ProviderPeering(peeringId, cluster.region(), ends[0], cluster.region(), ends[1], token, Map.of());
    }

    private Optional<NetworkPolicy> policy(String namespace, String other) {
        return Optional.ofNullable(cluster.errors().call(ResourceType.NETWORK_PEERING, namespace + "/" + POLICY_PREFIX + other,
                () -> cluster.client().network().v1().networkPolicies().inNamespace(namespace).withName(POLICY_PREFIX + other).get()));
    }

    private OperationHandle handle(OperationKind kind, String id, Optional<IdempotencyToken> token) {
        return new OperationHandle(cluster.provider(), kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + id, kind,
                new ResourceRef(ResourceType.NETWORK_PEERING, id, cluster.region()), token, cluster.clock().instant());
    }

    private String[] ends(String peeringId) {
        String[] ends = peeringId.split(SEPARATOR, 2);
        if (ends.length != 2 || ends[0].isEmpty() || ends[1].isEmpty()) {
            throw notFound(peeringId);
        }
        return ends;
    }

    private ResourceNotFound notFound(String peeringId) {
        return new ResourceNotFound(cluster.provider(), ResourceType.NETWORK_PEERING, peeringId, "Peering " + peeringId + " not found.");
    }
}
