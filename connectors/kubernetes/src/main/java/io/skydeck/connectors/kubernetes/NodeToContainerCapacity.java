package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.skydeck.connectors.spi.ContainerCapacity;
import io.skydeck.connectors.spi.ContainerResources;

import java.util.List;
import java.util.Map;

/**
 * A node as a container pool: its allocatable resources, and what is left after the requests
 * of the pods bound to it — the same sum the scheduler makes. A cordoned or not-Ready node
 * has nothing free: nothing new will be scheduled there.
 */
final class NodeToContainerCapacity {
    static final String NO_ZONE = "default";

    private NodeToContainerCapacity() {
    }

    static ContainerCapacity convert(Node node, List<Pod> podsOnNode, String region) {
        var allocatable = ContainerQuantities.capacity(node.getStatus() == null ? null : node.getStatus().getAllocatable());
        var requested = ContainerResources.NONE;
        for (Pod pod : podsOnNode) {
            requested = requested.plus(podRequests(pod));
        }
        var free = schedulable(node) ? clampedMinus(allocatable, requested) : ContainerResources.NONE;
        return new ContainerCapacity(node.getMetadata().getName(), region, zone(node), allocatable, free);
    }

    static String zone(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        return labels == null ? NO_ZONE : labels.getOrDefault(WorkloadSpecToManifest.ZONE_LABEL, NO_ZONE);
    }

    /** Succeeded and Failed pods keep their node name but release their resources. */
    static boolean holdsResources(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    /**
     * The scheduler's effective request: the larger of the containers' sum and the largest init
     * container (init containers run one at a time, before the others), plus the pod overhead.
     */
    static ContainerResources podRequests(Pod pod) {
        var spec = pod.getSpec();
        var containers = ContainerResources.NONE;
        for (Container container : spec.getContainers()) {
            containers = containers.plus(requestsOf(container));
        }
        var init = ContainerResources.NONE;
        for (Container container : spec.getInitContainers() == null ? List.<Container>of() : spec.getInitContainers()) {
            var r = requestsOf(container);
            init = new ContainerResources(Math.max(init.cpuMillis(), r.cpuMillis()), Math.max(init.memoryMiB(), r.memoryMiB()), 0);
        }
        var effective = new ContainerResources(Math.max(containers.cpuMillis(), init.cpuMillis()),
                Math.max(containers.memoryMiB(), init.memoryMiB()), 1);
        Map<String, Quantity> overhead = spec.getOverhead();
        return effective.plus(ContainerQuantities.requests(overhead));
    }

    private static ContainerResources requestsOf(Container container) {
        return container.getResources() == null ? ContainerResources.NONE : ContainerQuantities.requests(container.getResources().getRequests());
    }

    private static boolean schedulable(Node node) {
        if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
            return false;
        }
        var conditions = node.getStatus() == null ? null : node.getStatus().getConditions();
        return conditions != null && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Requests may exceed allocatable (static pods, a shrunk node); free is then zero, not negative. */
    private static ContainerResources clampedMinus(ContainerResources allocatable, ContainerResources requested) {
        return new ContainerResources(Math.max(0, allocatable.cpuMillis() - requested.cpuMillis()),
                Math.max(0, allocatable.memoryMiB() - requested.memoryMiB()),
                Math.max(0, allocatable.pods() - requested.pods()));
    }
}
