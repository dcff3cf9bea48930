package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.WorkloadInstance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Installs a version on one pod by changing its container's image in place — the one field of
 * a running pod's containers Kubernetes lets change; the kubelet restarts that container on the
 * new image, the pod keeps its name, IP and place in its ReplicaSet. The install is one JSON
 * patch: a {@code test} that index i is still the container "main" (or the pod's only container),
 * a {@code replace} of its image, and the token, image and acceptance time as annotations, so a
 * repeat with the token returns the first handle without patching. A poll is done when the
 * container's status reports the new image and the pod is Ready; an image that cannot be pulled
 * or a container that crash-loops on it fails the install. The ignition check is the pod's Ready
 * condition ({@link PodToInstanceHealth}). An install spec's package URL and SHA-256 are for a
 * VM's install hook and play no part here: an image reference (ideally by digest) names its bits.
 *
 * <h2>The workload's template</h2>
 * Pods changed in place leave the controller's template on the old image, and a pod it creates
 * later (a scale-up, a node lost) would start the old version. So once every pod of a Skydeck
 * workload runs the new image, is Ready and is in traffic — the whole workload passed its
 * ignition check and was pulled back in, never earlier, so a bad version or a dark launch never
 * reaches the template — {@link TemplatePromotion} patches the template's image too, from
 * whichever call sees that moment: the poll of the last install or the last pull-in:
 * <ul>
 *   <li>StatefulSet and DaemonSet: with {@code updateStrategy: OnDelete} in the same patch, so the
 *       controller applies the new template only to pods it creates from now on and replaces none
 *       of the pods that already run the version.</li>
 *   <li>Deployment: a Deployment has no OnDelete; any template change makes its controller start a
 *       new ReplicaSet and replace every pod. That replacement is accepted as the release's last
 *       step, bounded to keep capacity ({@code maxUnavailable: 0}, {@code maxSurge: 25%} in the same
 *       patch): the new pods run the image every old pod already proved Ready with, and come
 *       into traffic through the template's {@code skydeck.io/traffic: in} label as they become
 *       Ready. The alternatives are worse: never updating the template leaves a Deployment that
 *       silently rolls back on its next scale-up, and editing the ReplicaSet's template makes the
 *       Deployment controller treat it as foreign and roll out the old template. A release driver
 *       must therefore expect the pods of a Deployment to be replaced (new names) after the
 *       poll that completes the workload: its pods are then found by the workload, not by name.</li>
 * </ul>
 */
final class PodImageInstalls implements Deployments {
    private final Cluster cluster;

    PodImageInstalls(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public OperationHandle install(InstallSpec spec, IdempotencyToken token) {
        cluster.requireRegion(spec.region());
        var podId = PodId.parse(cluster.provider(), ResourceType.WORKLOAD, spec.instanceId());
        cluster.requireTenantNamespace(podId.namespace());
        Pod pod = pod(podId).orElseThrow(() -> notFound(spec.instanceId()));
        var annotations = pod.getMetadata().getAnnotations() == null ? Map.<String, String>of() : pod.getMetadata().getAnnotations();
        var operation = new InstallOperation(podId, spec.artifact());
        if (token.value().equals(annotations.get(SkydeckLabels.INSTALL_TOKEN))) {
            if (!spec.artifact().equals(annotations.get(SkydeckLabels.INSTALL_IMAGE))) {
                throw new RequestRejected(cluster.provider(), "Idempotency token " + token + " already installed "
                        + annotations.get(SkydeckLabels.INSTALL_IMAGE) + " on pod " + spec.instanceId() + ".", "IdempotencyTokenReused", null);
            }
            return handle(operation, token, Instant.parse(annotations.get(SkydeckLabels.INSTALL_ACCEPTED_AT)));
        }
        int index = containerIndex(pod, spec.instanceId());
        Instant acceptedAt = cluster.clock().instant();
        var ops = new ArrayList<Map<String, Object>>();
        ops.add(op("test", "/spec/containers/" + index + "/name", pod.getSpec().getContainers().get(index).getName()));
        ops.add(op("replace", "/spec/containers/" + index + "/image", spec.artifact()));
        var install = new LinkedHashMap<String, String>();
        install.put(SkydeckLabels.INSTALL_TOKEN, token.value());
        install.put(SkydeckLabels.INSTALL_IMAGE, spec.artifact());
        install.put(SkydeckLabels.INSTALL_ACCEPTED_AT, acceptedAt.toString());
        if (annotations.isEmpty()) {
            // A pod without annotations has no map to add keys to (fabric8 reads the absent map as empty).
            ops.add(op("add", "/metadata/annotations", install));
        } else {
            install.forEach((key, value) -> ops.add(op("add", "/metadata/annotations/" + pointer(key), value)));
        }
        String patch = cluster.client().getKubernetesSerialization().asJson(ops);
        cluster.errors().call(ResourceType.WORKLOAD, spec.instanceId(), () -> cluster.client().pods()
                .inNamespace(podId.namespace()).withName(podId.name()).patch(PatchContext.of(PatchType.JSON), patch));
        return handle(operation, token, acceptedAt);
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        InstallOperation operation;
        try {
            operation = InstallOperation.parse(handle.operationId());
        } catch (IllegalArgumentException e) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(), e.getMessage());
        }
        if (!handle.provider().equals(cluster.provider())) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(),
                    "Operation " + handle.operationId() + " was not issued by " + cluster.provider() + ".");
        }
        String id = operation.pod().format();
        Instant now = cluster.clock().instant();
        var found = pod(operation.pod());
        if (found.isEmpty()) {
            return new OperationStatus.Failed(handle, now, new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD, id,
                    "Pod " + id + " was deleted before it ran " + operation.image() + "."));
        }
        Pod pod = found.get();
        int index = containerIndex(pod, id);
        String container = pod.getSpec().getContainers().get(index).getName();
        String specImage = pod.getSpec().getContainers().get(index).getImage();
        if (!operation.image().equals(specImage)) {
            return new OperationStatus.Failed(handle, now, new RequestRejected(cluster.provider(), "Pod " + id + " was changed to "
                    + specImage + " while " + operation.image() + " was being installed.", "Superseded", null));
        }
        var status = PodToInstanceHealth.containerStatuses(pod).stream().filter(s -> container.equals(s.getName())).findFirst();
        boolean runsImage = status.filter(s -> sameImage(s.getImage(), operation.image())).isPresent();
        // Only the new image's failure fails the install: until the kubelet restarts the container, the status still
        // tells of the image it replaces — a rollback onto a crash-looping pod would otherwise fail on the old crash.
        var waiting = status.filter(s -> runsImage).map(s -> s.getState() == null ? null : s.getState().getWaiting());
        if (waiting.isPresent() && FAILED_WAITING.contains(waiting.get().getReason())) {
            return new OperationStatus.Failed(handle, now, new RequestRejected(cluster.provider(), "Pod " + id + " cannot run "
                    + operation.image() + ": " + waiting.get().getReason()
                    + (waiting.get().getMessage() == null ? "" : " (" + waiting.get().getMessage() + ")"), waiting.get().getReason(), null));
        }
        if (runsImage && status.get().getReady() == Boolean.TRUE && PodToInstanceHealth.ready(pod)) {
            new TemplatePromotion(cluster).promoteIfReleased(pod);
            return new OperationStatus.Succeeded(handle, now);
        }
        return new OperationStatus.InProgress(handle, runsImage ? "not Ready yet" : "container " + container + " not on " + operation.image() + " yet");
    }

    @Override
    public InstanceHealth health(String region, String instanceId) {
        cluster.requireRegion(region);
        var podId = PodId.parse(cluster.provider(), ResourceType.WORKLOAD, instanceId);
        return PodToInstanceHealth.of(pod(podId).orElseThrow(() -> notFound(instanceId)));
    }

    @Override
    public boolean releasesWorkloads() {
        return true;
    }

    /** The workload's pods, by name: see {@link WorkloadPods}. */
    @Override
    public List<WorkloadInstance> instancesOf(String region, String workloadId) {
        return new WorkloadPods(cluster).of(region, workloadId);
    }

    /** Waiting reasons that will not clear on their own: the install failed. */
    private static final Set<String> FAILED_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError");

    /**
     * Whether the image a container status reports is the one asked for: runtimes report
     * "nginx:1.27" as "docker.io/library/nginx:1.27".
     */
    static boolean sameImage(String reported, String wanted) {
        return reported != null && (reported.equals(wanted) || reported.equals("docker.io/" + wanted)
                || reported.equals("docker.io/library/" + wanted));
    }

    private int containerIndex(Pod pod, String id) {
        int index = indexOf(pod.getSpec().getContainers());
        if (index < 0) {
            throw new RequestRejected(cluster.provider(), "Pod " + id + " has several containers and none named "
                    + WorkloadSpecToManifest.CONTAINER + ": Skydeck does not know which one to install on.", "AmbiguousContainer", null);
        }
        return index;
    }

    /** The container "main", or the only container; -1 when neither exists. */
    static int indexOf(List<Container> containers) {
        for (int i = 0; i < containers.size(); i++) {
            if (WorkloadSpecToManifest.CONTAINER.equals(containers.get(i).getName())) {
                return i;
            }
        }
        return containers.size() == 1 ? 0 : -1;
    }

    private Optional<Pod> pod(PodId id) {
        return Optional.ofNullable(cluster.errors().call(ResourceType.WORKLOAD, id.format(), () -> cluster.client().pods()
                .inNamespace(id.namespace()).withName(id.name()).get()));
    }

    private OperationHandle handle(InstallOperation operation, IdempotencyToken token, Instant acceptedAt) {
        var ref = new ResourceRef(ResourceType.WORKLOAD, operation.pod().format(), cluster.region());
        return new OperationHandle(cluster.provider(), operation.format(), OperationKind.UPDATE, ref, Optional.of(token), acceptedAt);
    }

    private ResourceNotFound notFound(String id) {
        return new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD, id, "Pod " + id + " not found.");
    }

    /** One RFC 6902 operation, its members in the order people write them. */
    static Map<String, Object> op(String op, String path, Object value) {
        var entry = new LinkedHashMap<String, Object>();
        entry.put("op", op);
        entry.put("path", path);
        entry.put("value", value);
        return entry;
    }

    /** A JSON pointer segment: '~' and '/' escaped (RFC 6901). */
    private static String pointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }
}
