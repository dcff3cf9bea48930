package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A security group is a NetworkPolicy in a tenant namespace that selects the group's members —
 * pods labelled {@code security-group.skydeck.io/<name>: member} ({@link SecurityGroupMembers});
 * its id is "namespace/name" and {@link SecurityGroupSpec#networkId()} names the namespace, the
 * closest thing Kubernetes has to a tenant network. Rules map as {@link SecurityRulesToNetworkPolicy}
 * says; a rule naming another group selects that group's members. The policy governs both
 * directions; like EC2, a group created without egress rules gets an allow-all egress rule,
 * because an Egress policy without rules would cut its pods off (DNS included).
 * NetworkPolicies only allow: several groups on one pod add up.
 *
 * <p>The API is synchronous: an accepted change is in force (as far as the CNI enforces it),
 * so polls answer at once from what the policy now says.
 */
final class NetworkPolicySecurityGroups implements SecurityGroups {
    private static final int CONFLICT_ATTEMPTS = 3;

    private final Cluster cluster;

    NetworkPolicySecurityGroups(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public OperationHandle create(SecurityGroupSpec spec, IdempotencyToken token) {
        cluster.requireRegion(spec.region());
        String namespace = spec.networkId().orElseThrow(() -> new RequestRejected(cluster.provider(),
                "A Kubernetes security group needs networkId: the tenant namespace it applies to.", "Invalid", null));
        cluster.requireTenantNamespace(namespace);
        try {
            SecurityGroupMembers.labelKey(spec.name());
        } catch (IllegalArgumentException unfit) {
            throw new RequestRejected(cluster.provider(), unfit.getMessage(), "NotExpressible", null);
        }
        var earlier = withToken(Optional.of(namespace), token);
        if (!earlier.isEmpty()) {
            return replay(earlier.get(0), spec, token);
        }
        NetworkPolicy policy = policy(spec, namespace, token);
        String id = ManifestToProviderWorkload.id(namespace, spec.name());
        try {
            return createHandle(cluster.client().resource(policy).create(), token);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                var taken = read(id);
                if (taken.isPresent()) {
                    return replay(taken.get(), spec, token);
                }
            }
            throw cluster.errors().translate(e, ResourceType.SECURITY_GROUP, id);
        }
    }

    @Override
    public OperationHandle delete(String groupId, IdempotencyToken token) {
        var policy = existing(groupId);
        cluster.requireTenantNamespace(policy.getMetadata().getNamespace());
        cluster.errors().call(ResourceType.SECURITY_GROUP, groupId, () -> cluster.client().resource(policy).delete());
        return handle(OperationKind.DELETE, new ResourceRef(ResourceType.SECURITY_GROUP, groupId, cluster.region()), groupId,
                Optional.of(token), cluster.clock().instant());
    }

    @Override
    public OperationHandle addRule(String groupId, SecurityRule rule) {
        expressible(rule);
        String ruleId = SecurityRulesToNetworkPolicy.ruleId(rule);
        update(groupId, policy -> {
            if (SecurityRulesToNetworkPolicy.rules(policy).stream().anyMatch(r -> r.id().equals(ruleId))) {
                return null;  // already there: nothing to write, same rule id
            }
            var builder = new NetworkPolicyBuilder(policy);
            if (rule.direction() == SecurityRule.Direction.INGRESS) {
                builder.editSpec().addToIngress(SecurityRulesToNetworkPolicy.ingress(rule, policy.getMetadata().getNamespace())).endSpec();
            } else {
                builder.editSpec().addToEgress(SecurityRulesToNetworkPolicy.egress(rule, policy.getMetadata().getNamespace())).endSpec();
            }
            return builder.build();
        });
        return ruleHandle(OperationKind.CREATE, groupId, ruleId);
    }

    @Override
    public OperationHandle removeRule(String groupId, String ruleId) {
        update(groupId, policy -> {
            var rules = SecurityRulesToNetworkPolicy.rules(policy);
            if (rules.stream().noneMatch(r -> r.id().equals(ruleId))) {
                throw new ResourceNotFound(cluster.provider(), ResourceType.SECURITY_GROUP_RULE, ruleId,
                        "Rule " + ruleId + " is not in security group " + groupId + ".");
            }
            var kept = rules.stream().filter(r -> !r.id().equals(ruleId)).map(ProviderSecurityRule::rule).toList();
            return withRules(policy, kept);
        });
        return ruleHandle(OperationKind.DELETE, groupId, ruleId);
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        Instant now = cluster.clock().instant();
        String groupId = groupIdOf(handle);
        var policy = read(groupId);
        boolean ruleOperation = handle.resource().type() == ResourceType.SECURITY_GROUP_RULE;
        boolean present = ruleOperation
                ? policy.map(p -> SecurityRulesToNetworkPolicy.rules(p).stream().anyMatch(r -> r.id().equals(handle.resource().id()))).orElse(false)
                : policy.isPresent();
        boolean wanted = handle.kind() != OperationKind.DELETE;
        if (present == wanted) {
            return new OperationStatus.Succeeded(handle, now);
        }
        if (!wanted) {
            return new OperationStatus.InProgress(handle, "Terminating");
        }
        return new OperationStatus.Failed(handle, now, new ResourceNotFound(cluster.provider(), handle.resource().type(),
                handle.resource().id(), handle.resource().id() + " was removed again."));
    }

    @Override
    public Optional<ProviderSecurityGroup> get(String groupId) {
        return read(groupId).map(this::convert);
    }

    @Override
    public Optional<ProviderSecurityGroup> findByToken(IdempotencyToken token) {
        return withToken(Optional.empty(), token).stream().findFirst().map(this::convert);
    }

    /** The policies of Skydeck's tenant namespaces, the isolation policy Skydeck writes itself excepted. */
    @Override
    public boolean groupReferencesPerFamily() {
        return false; // A NetworkPolicy pod selector admits the pods whatever their family: one peer per group reference.
    }

    @Override
    public List<ProviderSecurityGroup> list() {
        return cluster.errors().call(ResourceType.SECURITY_GROUP, "*", () -> cluster.client().network().v1().networkPolicies()
                        .inAnyNamespace().list().getItems()).stream()
                .filter(p -> cluster.isTenantNamespace(p.getMetadata().getNamespace()))
                .filter(p -> !TenantNamespaces.ISOLATION.equals(p.getMetadata().getName()))
                .map(this::convert).toList();
    }

    private NetworkPolicy policy(SecurityGroupSpec spec, String namespace, IdempotencyToken token) {
        var rules = new ArrayList<>(spec.rules());
        rules.forEach(this::expressible);
        if (rules.stream().noneMatch(r -> r.direction() == SecurityRule.Direction.EGRESS)) {
            rules.add(new SecurityRule(SecurityRule.Direction.EGRESS, SecurityRule.Protocol.ANY, 0, 0, SecurityRulesToNetworkPolicy.ANYWHERE));
        }
        var labels = new LinkedHashMap<String, String>();
        labels.put(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE);
        labels.put(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value());
        var annotations = new LinkedHashMap<String, String>();
        annotations.put(SkydeckLabels.DESCRIPTION, spec.description());
        annotations.put(SkydeckLabels.TAGS, Serialization.asJson(new java.util.TreeMap<>(spec.tags())));
        annotations.put(SkydeckLabels.SPEC_DIGEST, digest(spec));
        var policy = new NetworkPolicyBuilder()
                .withNewMetadata().withName(spec.name()).withNamespace(namespace).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec().withPodSelector(SecurityRulesToNetworkPolicy.members(spec.name())).withPolicyTypes("Ingress", "Egress").endSpec()
                .build();
        return withRules(policy, rules);
    }

    private static NetworkPolicy withRules(NetworkPolicy policy, List<SecurityRule> rules) {
        var builder = new NetworkPolicyBuilder(policy).editSpec().withIngress(new ArrayList<>()).withEgress(new ArrayList<>()).endSpec();
        String namespace = policy.getMetadata().getNamespace();
        for (SecurityRule rule : rules) {
            if (rule.direction() == SecurityRule.Direction.INGRESS) {
                builder.editSpec().addToIngress(SecurityRulesToNetworkPolicy.ingress(rule, namespace)).endSpec();
            } else {
                builder.editSpec().addToEgress(SecurityRulesToNetworkPolicy.egress(rule, namespace)).endSpec();
            }
        }
        return builder.build();
    }

    /**
     * Read, change, write with the read's resourceVersion; a concurrent writer makes the API
     * server answer 409 and we start over from its version. {@code change} returns null for
     * "nothing to write".
     */
    private void update(String groupId, UnaryOperator<NetworkPolicy> change) {
        for (int attempt = 1; ; attempt++) {
            var current = existing(groupId);
            cluster.requireTenantNamespace(current.getMetadata().getNamespace());
            var changed = change.apply(current);
            if (changed == null) {
                return;
            }
            try {
                cluster.client().resource(changed).update();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == CONFLICT_ATTEMPTS) {
                    throw cluster.errors().translate(e, ResourceType.SECURITY_GROUP, groupId);
                }
            }
        }
    }

    private OperationHandle replay(NetworkPolicy existing, SecurityGroupSpec spec, IdempotencyToken token) {
        var metadata = existing.getMetadata();
        String id = ManifestToProviderWorkload.id(metadata.getNamespace(), metadata.getName());
        if (!token.value().equals(labels(existing).get(SkydeckLabels.IDEMPOTENCY_TOKEN))) {
            throw new RequestRejected(cluster.provider(), "Security group " + id + " already exists and was created by another request.",
                    "AlreadyExists", null);
        }
        if (!digest(spec).equals(annotations(existing).get(SkydeckLabels.SPEC_DIGEST))) {
            throw new RequestRejected(cluster.provider(), "Idempotency token " + token + " already created security group " + id
                    + " from a different spec.", "IdempotencyTokenReused", null);
        }
        return createHandle(existing, token);
    }

    private OperationHandle createHandle(NetworkPolicy created, IdempotencyToken token) {
        String id = ManifestToProviderWorkload.id(created.getMetadata().getNamespace(), created.getMetadata().getName());
        String timestamp = created.getMetadata().getCreationTimestamp();
        Instant acceptedAt = timestamp == null ? cluster.clock().instant() : Instant.parse(timestamp);
        return handle(OperationKind.CREATE, new ResourceRef(ResourceType.SECURITY_GROUP, id, cluster.region()), id, Optional.of(token), acceptedAt);
    }

    /** A rule operation's id is "groupId#ruleId", so that a poll finds the policy to look in. */
    private OperationHandle ruleHandle(OperationKind kind, String groupId, String ruleId) {
        return handle(kind, new ResourceRef(ResourceType.SECURITY_GROUP_RULE, ruleId, cluster.region()), groupId + "#" + ruleId,
                Optional.empty(), cluster.clock().instant());
    }

    private OperationHandle handle(OperationKind kind, ResourceRef ref, String operationId, Optional<IdempotencyToken> token, Instant acceptedAt) {
        return new OperationHandle(cluster.provider(), operationId, kind, ref, token, acceptedAt);
    }

    private String groupIdOf(OperationHandle handle) {
        var type = handle.resource().type();
        if (!handle.provider().equals(cluster.provider()) || (type != ResourceType.SECURITY_GROUP && type != ResourceType.SECURITY_GROUP_RULE)) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(),
                    "Operation " + handle.operationId() + " was not issued by the security groups of " + cluster.provider() + ".");
        }
        int hash = handle.operationId().indexOf('#');
        return hash < 0 ? handle.operationId() : handle.operationId().substring(0, hash);
    }

    private List<NetworkPolicy> withToken(Optional<String> namespace, IdempotencyToken token) {
        return cluster.errors().call(ResourceType.SECURITY_GROUP, token.value(), () -> {
            var policies = cluster.client().network().v1().networkPolicies();
            var scoped = namespace.isPresent() ? policies.inNamespace(namespace.get()) : policies.inAnyNamespace();
            return scoped.withLabel(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value()).list().getItems();
        });
    }

    private Optional<NetworkPolicy> read(String groupId) {
        String[] parts = groupId.split("/");
        if (parts.length != 2) {
            return Optional.empty();
        }
        return Optional.ofNullable(cluster.errors().call(ResourceType.SECURITY_GROUP, groupId,
                () -> cluster.client().network().v1().networkPolicies().inNamespace(parts[0]).withName(parts[1]).get()));
    }

    private NetworkPolicy existing(String groupId) {
        return read(groupId).orElseThrow(() -> new ResourceNotFound(cluster.provider(), ResourceType.SECURITY_GROUP, groupId,
                "Security group " + groupId + " not found."));
    }

    private void expressible(SecurityRule rule) {
        try {
            SecurityRulesToNetworkPolicy.requireExpressible(rule);
        } catch (IllegalArgumentException e) {
            throw new RequestRejected(cluster.provider(), e.getMessage(), "NotExpressible", null);
        }
    }

    private ProviderSecurityGroup convert(NetworkPolicy policy) {
        var metadata = policy.getMetadata();
        Optional<IdempotencyToken> token = Optional.ofNullable(labels(policy).get(SkydeckLabels.IDEMPOTENCY_TOKEN)).map(IdempotencyToken::of);
        return new ProviderSecurityGroup(ManifestToProviderWorkload.id(metadata.getNamespace(), metadata.getName()), metadata.getName(),
                cluster.region(), annotations(policy).getOrDefault(SkydeckLabels.DESCRIPTION, ""), Optional.of(metadata.getNamespace()),
                SecurityRulesToNetworkPolicy.rules(policy), token, tags(policy), SecurityRulesToNetworkPolicy.inexpressible(policy));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> tags(NetworkPolicy policy) {
        String json = annotations(policy).get(SkydeckLabels.TAGS);
        return json == null ? Map.of() : new HashMap<String, String>(Serialization.unmarshal(json, Map.class));
    }

    private static String digest(SecurityGroupSpec spec) {
        return WorkloadSpecToManifest.sha256(String.join("\n", spec.name(), spec.region(), spec.networkId().orElse(""), spec.description(),
                spec.rules().stream().map(SecurityRulesToNetworkPolicy::ruleId).toList().toString(),
                new java.util.TreeMap<>(spec.tags()).toString()));
    }

    private static Map<String, String> labels(NetworkPolicy policy) {
        return policy.getMetadata().getLabels() == null ? Map.of() : policy.getMetadata().getLabels();
    }

    private static Map<String, String> annotations(NetworkPolicy policy) {
        return policy.getMetadata().getAnnotations() == null ? Map.of() : policy.getMetadata().getAnnotations();
    }
}
