package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.skydeck.connectors.spi.ResourceType;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * A Service that selects one Skydeck workload — its selector, the traffic label aside, is exactly
 * {@code skydeck.io/workload} and {@code skydeck.io/workload-kind} — serves one workload at a time.
 * A release over two workloads (blue-green, dark, A/B: the live workload and a standby one in the
 * same namespace) moves the Service from one to the other by rewriting those two keys of its
 * selector: one merge patch, so every request after it reaches the other workload's pods and none
 * before it does — the switch happens at once, with no moment when both or neither serve.
 *
 * <p>That is why a pod of the other workload is not "not selected" for such a Service: pulling it
 * out only labels it (it serves nothing yet), and pulling it in switches the Service to its
 * workload. Any other pod the Service does not select is still refused, so a mistaken id cannot
 * move a Service to something that is not a Skydeck workload of its namespace.
 */
final class WorkloadSwitch {
    private static final Set<String> WORKLOAD_KEYS = Set.of(SkydeckLabels.WORKLOAD, SkydeckLabels.WORKLOAD_KIND);

    private WorkloadSwitch() {
    }

    /**
     * @param others    the Service's selector without the traffic label
     * @param podLabels the labels of a pod the Service does not select
     * @return the pod's workload selector, when the Service follows a workload and the pod is a Skydeck pod of another one
     */
    static Optional<Map<String, String>> otherWorkload(Map<String, String> others, Map<String, String> podLabels) {
        // A Skydeck pod carries the traffic label from its template; a pod without it is none of Skydeck's.
        if (!others.keySet().equals(WORKLOAD_KEYS) || !podLabels.containsKey(SkydeckLabels.TRAFFIC)) {
            return Optional.empty();
        }
        String workload = podLabels.get(SkydeckLabels.WORKLOAD);
        String kind = podLabels.get(SkydeckLabels.WORKLOAD_KIND);
        if (workload == null || kind == null) {
            return Optional.empty();
        }
        var selector = new TreeMap<String, String>();
        selector.put(SkydeckLabels.WORKLOAD, workload);
        selector.put(SkydeckLabels.WORKLOAD_KIND, kind);
        return Optional.of(selector);
    }

    /** Points the Service at {@code workload}'s pods in traffic: one merge patch of its selector. */
    static void switchTo(Cluster cluster, Service service, Map<String, String> workload) {
        var selector = new TreeMap<>(workload);
        selector.put(SkydeckLabels.TRAFFIC, SkydeckLabels.TRAFFIC_IN);
        String patch = cluster.client().getKubernetesSerialization().asJson(Map.of("spec", Map.of("selector", selector)));
        String id = service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
        cluster.errors().call(ResourceType.NETWORK, id, () -> cluster.client().services().inNamespace(service.getMetadata().getNamespace())
                .withName(service.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
    }
}
