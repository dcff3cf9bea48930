package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Traffic through a Kubernetes Service: the target is the Service {@code namespace/name}, an
 * instance a pod {@code namespace/name} in the same namespace. A pod leaves the Service when it
 * stops matching the Service's selector: pulling out sets the pod's {@code skydeck.io/traffic}
 * label to "out", pulling in back to "in" — one JSON merge patch of the pod's labels, nothing
 * when it already has the value. The label is deliberately not in the controller's selector: a
 * pod that changed a selector label would be orphaned and its ReplicaSet would start a
 * replacement, so a pull-out would cost a new pod instead of quieting an old one.
 *
 * <p>Skydeck's workloads carry {@code skydeck.io/traffic: in} in their pod template. A Service
 * that does not yet select the label is adopted on first use: its selector gains
 * {@code skydeck.io/traffic: in} (a merge patch that leaves its other keys), but only when every
 * pod it selects already carries the label — otherwise adding the key would silently drop those
 * pods from the Service, and the call is refused naming them.
 *
 * <p>A Service that selects one Skydeck workload moves to another workload of its namespace when a
 * pod of that one is pulled in: the switch of a release over two workloads ({@link WorkloadSwitch}).
 *
 * <p>A plain Service spreads connections evenly over its ready endpoints: it cannot weigh traffic
 * nor route by header or cookie. On a cluster configured with a Gateway API Gateway both work
 * through an HTTPRoute in front of the Service and a variant Service beside it ({@link GatewaySplit});
 * on one without, {@link #weighsTraffic()} and {@link #routesByHeader()} are false and the service
 * refuses canaries by weight and A/B releases on this target. A pod of a split's variant is in
 * traffic with the label "variant" rather than "in" (see {@link GatewaySplit}).
 */
final class ServiceTrafficControl implements TrafficControl {
    private final Cluster cluster;
    private final Optional<GatewaySplit> split;

    ServiceTrafficControl(Cluster cluster, Optional<KubernetesConfig.Gateway> gateway) {
        this.cluster = cluster;
        this.split = gateway.map(g -> new GatewaySplit(cluster, g));
    }

    @Override
    public void pullOut(TrafficTarget target, String instanceId) {
        label(target, instanceId, SkydeckLabels.TRAFFIC_OUT);
    }

    /**
     * A pull-in may complete a workload's release: then its template follows ({@link TemplatePromotion}).
     * A pod marked as a split's variant comes in to the variant Service only.
     */
    @Override
    public void pullIn(TrafficTarget target, String instanceId) {
        Pod pod = label(target, instanceId, null);
        new TemplatePromotion(cluster).promoteIfReleased(pod);
    }

    /** The pods the Service (or, during a split, its variant) selects that are Ready and not terminating: its endpoints. */
    @Override
    public Set<String> inTraffic(TrafficTarget target) {
        var service = service(target);
        var selector = selector(service, target);
        var others = new TreeMap<>(selector);
        others.remove(SkydeckLabels.TRAFFIC);
        String namespace = service.getMetadata().getNamespace();
        var pods = cluster.errors().call(ResourceType.WORKLOAD, target.id(), () -> cluster.client().pods()
                .inNamespace(namespace).withLabels(others).list().getItems());
        var inTraffic = new TreeSet<String>();
        pods.stream()
                .filter(pod -> !selector.containsKey(SkydeckLabels.TRAFFIC) || servesTraffic(pod))
                .filter(PodToInstanceHealth::ready)
                .forEach(pod -> inTraffic.add(namespace + "/" + pod.getMetadata().getName()));
        return inTraffic;
    }

    @Override
    public boolean weighsTraffic() {
        return split.isPresent();
    }

    @Override
    public void weigh(TrafficTarget target, Set<String> canaryInstances, int percent) {
        GatewaySplit gateway = requireSplit(target);
        var service = adopted(target);
        gateway.weigh(service, selector(service, target), canaryInstances, percent);
    }

    @Override
    public boolean routesByHeader() {
        return split.isPresent();
    }

    @Override
    public void routeByHeader(TrafficTarget target, Set<String> variantInstances, String header, String value) {
        GatewaySplit gateway = requireSplit(target);
        var service = adopted(target);
        gateway.routeByHeader(service, selector(service, target), variantInstances, header, value);
    }

    /** The Service, made to select the traffic label first: a split's variant pods leave it by that label. */
    private Service adopted(TrafficTarget target) {
        var service = service(target);
        var selector = selector(service, target);
        if (selector.containsKey(SkydeckLabels.TRAFFIC)) {
            return service;
        }
        adopt(service, target, selector);
        return service(target);
    }

    private GatewaySplit requireSplit(TrafficTarget target) {
        return split.orElseThrow(() -> new UnsupportedOperationException("Service " + target.id() + " of cluster " + cluster.provider()
                + " cannot split traffic: the cluster has no gateway configured"));
    }

    private static boolean servesTraffic(Pod pod) {
        String value = pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(SkydeckLabels.TRAFFIC);
        return SkydeckLabels.TRAFFIC_IN.equals(value) || GatewaySplit.TRAFFIC_VARIANT.equals(value);
    }

    /**
     * @param value the traffic label to write; null for a pull-in, which writes "in", or "variant" on a pod marked as a split's variant
     * @return the pod as it is now, with the label
     */
    private Pod label(TrafficTarget target, String instanceId, String value) {
        var service = service(target);
        var podId = PodId.parse(cluster.provider(), ResourceType.WORKLOAD, instanceId);
        if (!podId.namespace().equals(service.getMetadata().getNamespace())) {
            throw podNotFound(instanceId);
        }
        Pod pod = cluster.errors().call(ResourceType.WORKLOAD, instanceId, () -> cluster.client().pods()
                .inNamespace(podId.namespace()).withName(podId.name()).get());
        if (pod == null) {
            throw podNotFound(instanceId);
        }
        var selector = selector(service, target);
        var others = new TreeMap<>(selector);
        others.remove(SkydeckLabels.TRAFFIC);
        var labels = pod.getMetadata().getLabels() == null ? Map.<String, String>of() : pod.getMetadata().getLabels();
        String wanted = value != null ? value
                : "true".equals(labels.get(GatewaySplit.VARIANT)) ? GatewaySplit.TRAFFIC_VARIANT : SkydeckLabels.TRAFFIC_IN;
        if (!labels.entrySet().containsAll(others.entrySet())) {
            var otherWorkload = WorkloadSwitch.otherWorkload(others, labels);
            if (otherWorkload.isEmpty()) {
                throw new RequestRejected(cluster.provider(), "Pod " + instanceId + " is not selected by Service " + target.id()
                        + " (selector " + others + ").", "NotSelected", null);
            }
            // A pod of the other workload of a two-workload release (WorkloadSwitch): labelled first, while it serves nothing.
            Pod labelled = relabel(podId, instanceId, labels, wanted, pod);
            if (wanted.equals(SkydeckLabels.TRAFFIC_IN)) {
                WorkloadSwitch.switchTo(cluster, service, otherWorkload.get());
            }
            return labelled;
        }
        if (!selector.containsKey(SkydeckLabels.TRAFFIC)) {
            adopt(service, target, selector);
        }
        return relabel(podId, instanceId, labels, wanted, pod);
    }

    private Pod relabel(PodId podId, String instanceId, Map<String, String> labels, String wanted, Pod pod) {
        if (wanted.equals(labels.get(SkydeckLabels.TRAFFIC))) {
            return pod;
        }
        String patch = "{\"metadata\":{\"labels\":{\"" + SkydeckLabels.TRAFFIC + "\":\"" + wanted + "\"}}}";
        return cluster.errors().call(ResourceType.WORKLOAD, instanceId, () -> cluster.client().pods()
                .inNamespace(podId.namespace()).withName(podId.name()).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
    }

    /** Makes the Service select the traffic label, if that changes none of its endpoints. */
    private void adopt(Service service, TrafficTarget target, Map<String, String> selector) {
        String namespace = service.getMetadata().getNamespace();
        var unlabelled = cluster.errors().call(ResourceType.WORKLOAD, target.id(), () -> cluster.client().pods()
                        .inNamespace(namespace).withLabels(selector).list().getItems()).stream()
                .filter(pod -> pod.getMetadata().getLabels() == null || !pod.getMetadata().getLabels().containsKey(SkydeckLabels.TRAFFIC))
                .map(pod -> pod.getMetadata().getName())
                .sorted()
                .toList();
        if (!unlabelled.isEmpty()) {
            throw new RequestRejected(cluster.provider(), "Service " + target.id() + " does not select " + SkydeckLabels.TRAFFIC
                    + ", and selecting it would drop pods that lack the label: " + unlabelled
                    + ". Label them " + SkydeckLabels.TRAFFIC + "=" + SkydeckLabels.TRAFFIC_IN + " (Skydeck's workloads carry it in their template).",
                    "TrafficLabelMissing", null);
        }
        String patch = "{\"spec\":{\"selector\":{\"" + SkydeckLabels.TRAFFIC + "\":\"" + SkydeckLabels.TRAFFIC_IN + "\"}}}";
        cluster.errors().call(ResourceType.NETWORK, target.id(), () -> cluster.client().services()
                .inNamespace(namespace).withName(service.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch));
    }

    /** The Service behind the target, in one of Skydeck's tenant namespaces of this cluster's region. */
    private Service service(TrafficTarget target) {
        cluster.requireRegion(target.region());
        var id = PodId.parse(cluster.provider(), ResourceType.NETWORK, target.id());
        cluster.requireTenantNamespace(id.namespace());
        Service service = cluster.errors().call(ResourceType.NETWORK, target.id(), () -> cluster.client().services()
                .inNamespace(id.namespace()).withName(id.name()).get());
        if (service == null) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.NETWORK, target.id(), "Service " + target.id() + " not found.");
        }
        return service;
    }

    private Map<String, String> selector(Service service, TrafficTarget target) {
        var selector = service.getSpec() == null ? null : service.getSpec().getSelector();
        if (selector == null || selector.isEmpty()) {
            throw new RequestRejected(cluster.provider(), "Service " + target.id()
                    + " has no selector (its endpoints are managed by hand): Skydeck cannot take pods in or out of it.",
                    "NoSelector", null);
        }
        return selector;
    }

    private ResourceNotFound podNotFound(String instanceId) {
        return new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD, instanceId, "Pod " + instanceId + " not found.");
    }
}
