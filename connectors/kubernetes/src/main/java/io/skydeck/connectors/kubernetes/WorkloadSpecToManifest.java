package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.WorkloadSpec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link WorkloadSpec} as the controller object Kubernetes runs it with. One container
 * named "main"; its memory limit equals its request (a container over its request is the
 * first one the kubelet evicts, better it fails alone and visibly), and it has no CPU limit
 * (CFS throttling hurts latency while idle cores stay unused).
 */
final class WorkloadSpecToManifest {
    static final String CONTAINER = "main";
    static final String ZONE_LABEL = "topology.kubernetes.io/zone";

    private WorkloadSpecToManifest() {
    }

    static HasMetadata manifest(WorkloadSpec spec, IdempotencyToken token) {
        ObjectMeta metadata = metadata(spec, token);
        LabelSelector selector = new LabelSelectorBuilder().withMatchLabels(selectorLabels(spec)).build();
        PodTemplateSpec template = podTemplate(spec);
        return switch (spec.kind()) {
            case DEPLOYMENT -> new DeploymentBuilder().withMetadata(metadata)
                    .withNewSpec().withReplicas(spec.replicas()).withSelector(selector).withTemplate(template).endSpec()
                    .build();
            // The governing headless Service is not created: pods get stable names, not DNS records.
            case STATEFUL_SET -> new StatefulSetBuilder().withMetadata(metadata)
                    .withNewSpec().withReplicas(spec.replicas()).withServiceName(spec.name())
                    .withSelector(selector).withTemplate(template).endSpec()
                    .build();
            case DAEMON_SET -> new DaemonSetBuilder().withMetadata(metadata)
                    .withNewSpec().withSelector(selector).withTemplate(template).endSpec()
                    .build();
        };
    }

    static Map<String, String> selectorLabels(WorkloadSpec spec) {
        var labels = new LinkedHashMap<String, String>();
        labels.put(SkydeckLabels.WORKLOAD, spec.name());
        labels.put(SkydeckLabels.WORKLOAD_KIND, WorkloadKinds.labelValue(spec.kind()));
        return labels;
    }

    /**
     * What a replay of the create must match. Replicas count only as first asked for: a later
     * scale changes the object, not the request the token stands for.
     */
    static String specDigest(WorkloadSpec spec) {
        String canonical = String.join("\n", spec.kind().name(), spec.namespace(), spec.name(), spec.region(),
                spec.zone().orElse(""), spec.image(), Integer.toString(spec.replicas()),
                Long.toString(spec.perReplica().cpuMillis()), Long.toString(spec.perReplica().memoryMiB()),
                new TreeMap<>(spec.labels()).toString());
        // Groups join the digest only when there are any, so a workload created before groups existed replays as before.
        if (!spec.securityGroupIds().isEmpty()) {
            canonical = canonical + "\ngroups " + String.join(",", spec.securityGroupIds());
        }
        return sha256(canonical);
    }

    static String sha256(String canonical) {
        try {
            var sha = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static ObjectMeta metadata(WorkloadSpec spec, IdempotencyToken token) {
        var labels = new LinkedHashMap<>(spec.labels());
        labels.putAll(selectorLabels(spec));
        labels.put(SkydeckLabels.MANAGED_BY, SkydeckLabels.MANAGED_BY_VALUE);
        labels.put(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value());
        return new ObjectMetaBuilder()
                .withName(spec.name())
                .withNamespace(spec.namespace())
                .withLabels(labels)
                .withAnnotations(Map.of(SkydeckLabels.SPEC_DIGEST, specDigest(spec)))
                .build();
    }

    private static PodTemplateSpec podTemplate(WorkloadSpec spec) {
        var labels = new LinkedHashMap<>(spec.labels());
        // Membership of security groups is a pod label: each group's NetworkPolicy selects it.
        labels.putAll(SecurityGroupMembers.labelsFor(spec.securityGroupIds()));
        labels.putAll(selectorLabels(spec));
        // In traffic from the start; outside the selector, so pulling a pod out never orphans it (see ServiceTrafficControl).
        labels.put(SkydeckLabels.TRAFFIC, SkydeckLabels.TRAFFIC_IN);
        var requests = ContainerQuantities.cpuAndMemory(spec.perReplica());
        var container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(spec.image())
                .withResources(new ResourceRequirementsBuilder()
                        .withRequests(requests)
                        .withLimits(Map.of("memory", ContainerQuantities.memory(spec.perReplica().memoryMiB())))
                        .build())
                .build();
        return new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withContainers(container)
                .withNodeSelector(spec.zone().map(zone -> Map.of(ZONE_LABEL, zone)).orElse(null))
                .endSpec()
                .build();
    }
}
