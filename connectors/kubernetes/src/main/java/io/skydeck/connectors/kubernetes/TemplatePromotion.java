package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.WorkloadKind;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Brings a Skydeck workload's template to the version its pods were released to, once the
 * release of the whole workload is over: every pod runs the pod's image, is Ready and is in
 * traffic ({@code skydeck.io/traffic} not "out"). Why then and how (OnDelete for StatefulSets
 * and DaemonSets, a bounded rollout for Deployments): see {@link PodImageInstalls}. Pods of
 * workloads Skydeck did not create (no {@code skydeck.io/workload} label) are left to their owners.
 */
final class TemplatePromotion {
    private final Cluster cluster;

    TemplatePromotion(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Called with a pod that just finished an install or was just pulled in. */
    void promoteIfReleased(Pod pod) {
        var labels = pod.getMetadata().getLabels();
        int podIndex = PodImageInstalls.indexOf(pod.getSpec().getContainers());
        if (labels == null || podIndex < 0 || !labels.containsKey(SkydeckLabels.WORKLOAD)) {
            return;
        }
        var kind = WorkloadKinds.LOOKUP_ORDER.stream()
                .filter(k -> WorkloadKinds.labelValue(k).equals(labels.get(SkydeckLabels.WORKLOAD_KIND))).findFirst();
        if (kind.isEmpty()) {
            return;
        }
        String image = pod.getSpec().getContainers().get(podIndex).getImage();
        String namespace = pod.getMetadata().getNamespace();
        String name = labels.get(SkydeckLabels.WORKLOAD);
        String workloadId = namespace + "/" + name;
        HasMetadata workload = cluster.errors().call(ResourceType.WORKLOAD, workloadId, () -> cluster.client()
                .resources(WorkloadKinds.type(kind.get())).inNamespace(namespace).withName(name).get());
        if (workload == null) {
            return;
        }
        var template = WorkloadKinds.podTemplate(workload).getSpec().getContainers();
        int index = PodImageInstalls.indexOf(template);
        if (index < 0 || image.equals(template.get(index).getImage())) {
            return;
        }
        var selector = new LinkedHashMap<String, String>();
        selector.put(SkydeckLabels.WORKLOAD, name);
        selector.put(SkydeckLabels.WORKLOAD_KIND, labels.get(SkydeckLabels.WORKLOAD_KIND));
        var pods = cluster.errors().call(ResourceType.WORKLOAD, workloadId, () -> cluster.client().pods()
                .inNamespace(namespace).withLabels(selector).list().getItems());
        if (!pods.stream().allMatch(p -> released(p, image))) {
            return;
        }
        var ops = new ArrayList<Map<String, Object>>();
        ops.add(op("test", "/spec/template/spec/containers/" + index + "/name", template.get(index).getName()));
        ops.add(op("replace", "/spec/template/spec/containers/" + index + "/image", image));
        if (kind.get() == WorkloadKind.DEPLOYMENT) {
            var rollingUpdate = new LinkedHashMap<String, Object>();
            rollingUpdate.put("maxSurge", "25%");
            rollingUpdate.put("maxUnavailable", 0);
            var strategy = new LinkedHashMap<String, Object>();
            strategy.put("type", "RollingUpdate");
            strategy.put("rollingUpdate", rollingUpdate);
            ops.add(op("add", "/spec/strategy", strategy));
        } else {
            ops.add(op("add", "/spec/updateStrategy", Map.of("type", "OnDelete")));
        }
        String patch = cluster.client().getKubernetesSerialization().asJson(ops);
        cluster.errors().call(ResourceType.WORKLOAD, workloadId, () -> cluster.client().resource(workload)
                .patch(PatchContext.of(PatchType.JSON), patch));
    }

    private static boolean released(Pod pod, String image) {
        var containers = pod.getSpec().getContainers();
        int index = PodImageInstalls.indexOf(containers);
        var labels = pod.getMetadata().getLabels();
        boolean inTraffic = labels == null || !SkydeckLabels.TRAFFIC_OUT.equals(labels.get(SkydeckLabels.TRAFFIC));
        return index >= 0 && inTraffic && image.equals(containers.get(index).getImage()) && PodToInstanceHealth.ready(pod)
                && PodToInstanceHealth.containerStatuses(pod).stream()
                .anyMatch(s -> containers.get(index).getName().equals(s.getName()) && PodImageInstalls.sameImage(s.getImage(), image));
    }

    private static Map<String, Object> op(String op, String path, Object value) {
        return PodImageInstalls.op(op, path, value);
    }
}
