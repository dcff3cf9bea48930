package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.skydeck.connectors.spi.ResourceType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Tenant → namespace: {@code prefix + tenant}, labelled with the tenant, with a ResourceQuota,
 * a LimitRange, and a NetworkPolicy that admits traffic from the tenant's own pods only —
 * tenants never see each other unless a security group (another NetworkPolicy, see
 * {@link NetworkPolicySecurityGroups}) lets a range in. Not an SPI capability: the SPI has no
 * notion of tenants, so the service calls this directly on a {@link KubernetesCloud}.
 */
public final class TenantNamespaces {
    static final String QUOTA = "skydeck-quota";
    static final String LIMITS = "skydeck-limits";
    static final String ISOLATION = "skydeck-tenant-isolation";

    private final Cluster cluster;

    TenantNamespaces(Cluster cluster) {
        this.cluster = cluster;
    }

    /** The namespace of a tenant; a tenant id is a DNS label, since it becomes part of one. */
    public String namespaceOf(String tenant) {
        String namespace = cluster.namespacePrefix() + tenant;
        if (!tenant.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || namespace.length() > 63) {
            throw new IllegalArgumentException("tenant id " + tenant + " does not make a namespace name (lower-case DNS label, "
                    + (63 - cluster.namespacePrefix().length()) + " characters at most)");
        }
        return namespace;
    }

    /**
     * Creates the namespace and its policies, or brings them in line with {@code quota}; safe to
     * repeat. Returns the namespace's name.
     */
    public String ensure(String tenant, TenantQuota quota) {
        String namespace = namespaceOf(tenant);
        apply(ResourceType.REGION, namespace, namespace(tenant, namespace));
        apply(ResourceType.REGION, namespace, resourceQuota(namespace, quota));
        apply(ResourceType.REGION, namespace, limitRange(namespace, quota));
        apply(ResourceType.SECURITY_GROUP, namespace, isolation(namespace));
        return namespace;
    }

    /** The namespace's quota, if the tenant has a namespace. */
    public Optional<ResourceQuota> quota(String tenant) {
        String namespace = namespaceOf(tenant);
        return Optional.ofNullable(cluster.errors().call(ResourceType.REGION, namespace,
                () -> cluster.client().resourceQuotas().inNamespace(namespace).withName(QUOTA).get()));
    }

    /** Deletes the namespace and everything in it; false when there was none. */
    public boolean remove(String tenant) {
        String namespace = namespaceOf(tenant);
        return !cluster.errors().call(ResourceType.REGION, namespace,
                () -> cluster.client().namespaces().withName(namespace).delete()).isEmpty();
    }

    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> void apply(ResourceType type, String id, T object) {
        cluster.errors().call(type, id, () -> cluster.client().resource(object).createOr(NonDeletingOperation::update));
    }

    static Namespace namespace(String tenant, String namespace) {
        return new NamespaceBuilder().withNewMetadata().withName(namespace)
                .withLabels(Map.of(SkydeckLabels.TENANT, tenant, SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE))
                .endMetadata().build();
    }

    /** Requests and the memory limit are capped alike: Skydeck sets the memory limit equal to the request. */
    static ResourceQuota resourceQuota(String namespace, TenantQuota quota) {
        var hard = new LinkedHashMap<String, Quantity>();
        hard.put("requests.cpu", ContainerQuantities.cpu(quota.total().cpuMillis()));
        hard.put("requests.memory", ContainerQuantities.memory(quota.total().memoryMiB()));
        hard.put("limits.memory", ContainerQuantities.memory(quota.total().memoryMiB()));
        hard.put("pods", new Quantity(Integer.toString(quota.total().pods())));
        return new ResourceQuotaBuilder().withNewMetadata().withName(QUOTA).withNamespace(namespace).withLabels(managed()).endMetadata()
                .withNewSpec().withHard(hard).endSpec().build();
    }

    static LimitRange limitRange(String namespace, TenantQuota quota) {
        var perContainer = quota.defaultPerContainer();
        return new LimitRangeBuilder().withNewMetadata().withName(LIMITS).withNamespace(namespace).withLabels(managed()).endMetadata()
                .withNewSpec().addNewLimit().withType("Container")
                .withDefaultRequest(ContainerQuantities.cpuAndMemory(perContainer))
                .withDefault(Map.of("memory", ContainerQuantities.memory(perContainer.memoryMiB())))
                .endLimit().endSpec().build();
    }

    /** Ingress from the namespace's own pods; egress is left open (DNS, image pulls, the internet). */
    static NetworkPolicy isolation(String namespace) {
        return new NetworkPolicyBuilder().withNewMetadata().withName(ISOLATION).withNamespace(namespace).withLabels(managed()).endMetadata()
                .withNewSpec().withNewPodSelector().endPodSelector().withPolicyTypes("Ingress")
                .addNewIngress().withFrom(new NetworkPolicyPeerBuilder().withNewPodSelector().endPodSelector().build()).endIngress()
                .endSpec().build();
    }

    private static Map<String, String> managed() {
        return Map.of(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE);
    }
}
