package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.skydeck.connectors.spi.InstanceHealth;

import java.util.List;
import java.util.Optional;

/**
 * A pod's ignition check: its Ready condition, which the kubelet sets from the containers'
 * readiness probes and which is also what puts a pod into its Services' endpoints. When it is
 * not Ready, the detail is the most telling reason: a waiting container's reason and message
 * (ImagePullBackOff, CrashLoopBackOff), else the condition's own.
 */
final class PodToInstanceHealth {

    private PodToInstanceHealth() {
    }

    static InstanceHealth of(Pod pod) {
        String id = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            return InstanceHealth.failing("pod " + id + " is terminating");
        }
        var ready = readyCondition(pod);
        if (ready.isPresent() && "True".equals(ready.get().getStatus())) {
            return InstanceHealth.ok();
        }
        for (ContainerStatus container : containerStatuses(pod)) {
            var waiting = container.getState() == null ? null : container.getState().getWaiting();
            if (waiting != null && waiting.getReason() != null) {
                return InstanceHealth.failing("pod " + id + " container " + container.getName() + ": " + waiting.getReason()
                        + (waiting.getMessage() == null ? "" : " (" + waiting.getMessage() + ")"));
            }
        }
        return InstanceHealth.failing("pod " + id + " is not Ready" + ready
                .map(c -> ": " + (c.getReason() == null ? "" : c.getReason()) + (c.getMessage() == null ? "" : " " + c.getMessage()))
                .orElse(" (no Ready condition yet)"));
    }

    static boolean ready(Pod pod) {
        return pod.getMetadata().getDeletionTimestamp() == null
                && readyCondition(pod).filter(c -> "True".equals(c.getStatus())).isPresent();
    }

    static List<ContainerStatus> containerStatuses(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return List.of();
        }
        return pod.getStatus().getContainerStatuses();
    }

    private static Optional<PodCondition> readyCondition(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }
}
