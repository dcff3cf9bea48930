package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.WorkloadInstance;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.connectors.spi.WorkloadStatus;

import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * The pods a release of a workload runs over: those its controller's selector matches, minus
 * pods on their way out (terminating, or finished: phase Succeeded or Failed), ordered by name so
 * that the same workload always gives the same bastion.
 *
 * <p>A workload whose controller is itself replacing pods (PROGRESSING: a rollout or a scale in
 * flight; TERMINATING) is refused: a release started then would name pods the controller is about
 * to delete. That includes the minutes after a Deployment's template was promoted at the end of a
 * release ({@link TemplatePromotion}), while its controller swaps the pods for ones from the new
 * template. A DEGRADED or FAILED workload may be released — a new version is often the fix.
 */
final class WorkloadPods {
    private static final Set<WorkloadStatus> BUSY = Set.of(WorkloadStatus.PROGRESSING, WorkloadStatus.TERMINATING);
    private static final Set<String> FINISHED_PHASES = Set.of("Succeeded", "Failed");

    private final Cluster cluster;

    WorkloadPods(Cluster cluster) {
        this.cluster = cluster;
    }

    List<WorkloadInstance> of(String region, String workloadId) {
        cluster.requireRegion(region);
        var id = PodId.parse(cluster.provider(), ResourceType.WORKLOAD, workloadId);
        cluster.requireTenantNamespace(id.namespace());
        HasMetadata workload = find(id);
        var state = ControllerStatusToState.of(workload);
        if (BUSY.contains(state.status())) {
            throw new RequestRejected(cluster.provider(), "Workload " + workloadId + " is " + state.status() + " (" + state.detail()
                    + "): its controller is replacing pods, and a release started now would name pods about to go. Release it once it has settled.",
                    "ControllerBusy", null);
        }
        var selector = WorkloadKinds.selector(workload);
        if (selector == null || selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty()
                || selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty()) {
            throw new RequestRejected(cluster.provider(), "Workload " + workloadId
                    + " selects its pods with expressions or not at all; Skydeck releases workloads whose selector is matchLabels only.",
                    "UnsupportedSelector", null);
        }
        List<Pod> pods = cluster.errors().call(ResourceType.WORKLOAD, workloadId, () -> cluster.client().pods()
                .inNamespace(id.namespace()).withLabels(selector.getMatchLabels()).list().getItems());
        return pods.stream()
                .filter(pod -> pod.getMetadata().getDeletionTimestamp() == null)
                .filter(pod -> pod.getStatus() == null || pod.getStatus().getPhase() == null
                        || !FINISHED_PHASES.contains(pod.getStatus().getPhase()))
                .sorted(Comparator.comparing(pod -> pod.getMetadata().getName()))
                .map(pod -> instance(id.namespace(), pod))
                .toList();
    }

    private WorkloadInstance instance(String namespace, Pod pod) {
        String podId = namespace + "/" + pod.getMetadata().getName();
        int index = PodImageInstalls.indexOf(pod.getSpec().getContainers());
        if (index < 0) {
            throw new RequestRejected(cluster.provider(), "Pod " + podId + " has several containers and none named "
                    + WorkloadSpecToManifest.CONTAINER + ": Skydeck does not know which one to release.", "AmbiguousContainer", null);
        }
        return new WorkloadInstance(podId, pod.getSpec().getContainers().get(index).getImage(), PodToInstanceHealth.ready(pod));
    }

    private HasMetadata find(PodId id) {
        for (WorkloadKind kind : WorkloadKinds.LOOKUP_ORDER) {
            HasMetadata found = cluster.errors().call(ResourceType.WORKLOAD, id.format(), () -> cluster.client()
                    .resources(WorkloadKinds.type(kind)).inNamespace(id.namespace()).withName(id.name()).get());
            if (found != null) {
                return found;
            }
        }
        throw new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD, id.format(), "Workload " + id.format() + " not found.");
    }
}
