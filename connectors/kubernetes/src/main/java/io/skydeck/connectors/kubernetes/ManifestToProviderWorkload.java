package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.ProviderWorkload;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Deployment, StatefulSet or DaemonSet as the SPI's {@link ProviderWorkload}. Works for
 * workloads Skydeck did not create too (drift detection lists them): several containers add
 * up their requests, and the image is the "main" container's, or the first one's.
 */
final class ManifestToProviderWorkload {
    /** Labels Skydeck adds on its own; the rest are the spec's labels, returned as given. */
    private static final Set<String> OWN_LABELS = Set.of(SkydeckLabels.MANAGED_BY, SkydeckLabels.IDEMPOTENCY_TOKEN,
            SkydeckLabels.WORKLOAD, SkydeckLabels.WORKLOAD_KIND);

    private ManifestToProviderWorkload() {
    }

    static String id(String namespace, String name) {
        return namespace + "/" + name;
    }

    static ProviderWorkload convert(HasMetadata workload, String region) {
        var metadata = workload.getMetadata();
        PodSpec pod = WorkloadKinds.podTemplate(workload).getSpec();
        ControllerState state = ControllerStatusToState.of(workload);
        Map<String, String> labels = new HashMap<>(metadata.getLabels() == null ? Map.of() : metadata.getLabels());
        Optional<IdempotencyToken> token = Optional.ofNullable(labels.get(SkydeckLabels.IDEMPOTENCY_TOKEN)).flatMap(ManifestToProviderWorkload::token);
        labels.keySet().removeAll(OWN_LABELS);
        Optional<String> zone = Optional.ofNullable(pod.getNodeSelector()).map(selector -> selector.get(WorkloadSpecToManifest.ZONE_LABEL));
        return new ProviderWorkload(
                id(metadata.getNamespace(), metadata.getName()),
                metadata.getName(),
                region,
                zone,
                metadata.getNamespace(),
                WorkloadKinds.of(workload),
                image(pod.getContainers()),
                state.desiredReplicas(),
                state.readyReplicas(),
                perReplica(pod.getContainers()),
                state.status(),
                token,
                labels,
                createdAt(metadata.getCreationTimestamp()));
    }

    private static String image(List<Container> containers) {
        return containers.stream().filter(c -> WorkloadSpecToManifest.CONTAINER.equals(c.getName())).findFirst()
                .or(() -> containers.stream().findFirst())
                .map(Container::getImage).orElse("");
    }

    private static ContainerResources perReplica(List<Container> containers) {
        var total = new ContainerResources(0, 0, 1);
        for (Container container : containers) {
            if (container.getResources() != null) {
                total = total.plus(ContainerQuantities.requests(container.getResources().getRequests()));
            }
        }
        return total;
    }

    /** A token label someone edited into something that is not a token is ignored, not fatal. */
    private static Optional<IdempotencyToken> token(String value) {
        try {
            return Optional.of(IdempotencyToken.of(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Instant createdAt(String creationTimestamp) {
        if (creationTimestamp == null) {
            return Instant.EPOCH;
        }
        try {
            return Instant.parse(creationTimestamp);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
