package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderWorkload;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerStatus;

import java.util.Optional;

/**
 * Installs a version on a server (a rebuild with the artifact as its image) or on one pod (its
 * container image, set in place), as an operation of kind UPDATE that takes the topology's
 * create latency — a rebuild boots the instance afresh — and none with {@code Latency.NONE}. The
 * sandbox's registry has every artifact. While an install runs, the instance is busy: other
 * installs and server actions are refused, and its ignition check fails.
 *
 * <p>When every pod of a workload runs the same installed image, that image becomes the
 * workload's (its template) and the pods' own records go: what a Kubernetes release does once
 * its last batch is in, so that new replicas start on the released version.
 *
 * <p>The ignition check is deterministic: a running instance is healthy unless its artifact is
 * marked defective ({@link ArtifactDefect}) for that instance.
 */
final class SandboxDeployments implements Deployments, SandboxCloud.Settler {
    private final SandboxCloud cloud;

    SandboxDeployments(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public OperationHandle install(InstallSpec spec, IdempotencyToken token) {
        if (spec.artifact().isBlank()) {
            throw new IllegalArgumentException("an install names an artifact");
        }
        return cloud.mutate(SandboxCall.INSTALL, acceptance -> cloud.once(Optional.of(token), SandboxCall.INSTALL, spec, () -> {
            var instance = existing(spec.region(), spec.instanceId());
            var pending = cloud.pendingOn(instance.id());
            if (pending.isPresent()) {
                if (pending.get().kind() == OperationKind.UPDATE && pending.get().argument().equals(Optional.of(spec.artifact()))) {
                    return pending.get().handle(cloud.name());
                }
                throw cloud.rejected("Instance " + instance.id() + " is busy with " + pending.get().kind() + ".");
            }
            if (instance instanceof SandboxInstance.Server server && server.server().status() != ServerStatus.ACTIVE
                    && server.server().status() != ServerStatus.STOPPED) {
                throw cloud.rejected("Cannot install on server " + instance.id() + " while it is " + server.server().status() + ".");
            }
            if (instance instanceof SandboxInstance.Pod pod && cloud.pendingOn(pod.workload().id())
                    .filter(op -> op.kind() == OperationKind.DELETE).isPresent()) {
                throw cloud.rejected("Cannot install on pod " + instance.id() + ": its workload is being deleted.");
            }
            if (instance.artifact().equals(spec.artifact())) {
                return cloud.acceptNothingToDo(acceptance, OperationKind.UPDATE, instance.ref());
            }
            return cloud.accept(acceptance, OperationKind.UPDATE, instance.ref(), Optional.of(token),
                    cloud.topology().latency().create(), Optional.of(spec.artifact()));
        }));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_DEPLOYMENTS);
    }

    @Override
    public InstanceHealth health(String region, String instanceId) {
        return cloud.read(SandboxCall.READ_DEPLOYMENTS, () -> {
            var instance = existing(region, instanceId);
            var down = instance.down();
            if (down.isPresent()) {
                return InstanceHealth.failing(down.get());
            }
            var installing = cloud.pendingOn(instance.id()).filter(op -> op.kind() == OperationKind.UPDATE);
            if (installing.isPresent()) {
                return InstanceHealth.failing("installing " + installing.get().argument().orElseThrow() + " on " + instance.id());
            }
            var defect = Optional.ofNullable(cloud.state().artifactDefects.get(instance.artifact()));
            if (defect.isPresent() && defect.get().failsIgnitionOn(instance.id())) {
                return InstanceHealth.failing(instance.artifact() + " fails its ignition check on " + instance.id()
                        + " (a defect marked in the sandbox)");
            }
            return InstanceHealth.ok();
        });
    }

    @Override
    public void finish(SandboxOperation operation) {
        if (operation.outcome() != SandboxOperation.Outcome.SUCCEEDED) {
            return; // a failed install leaves the instance on what it ran
        }
        var state = cloud.state();
        String artifact = operation.argument().orElseThrow();
        var instance = SandboxInstance.find(state, operation.resource().id());
        if (instance.isEmpty()) {
            return; // deleted or scaled away meanwhile
        }
        if (instance.get() instanceof SandboxInstance.Server server) {
            state.servers.put(server.id(), withImage(server.server(), artifact));
        } else if (instance.get() instanceof SandboxInstance.Pod pod) {
            state.podImages.put(pod.id(), artifact);
            promoteWhenUniform(state, pod.workload(), artifact);
        }
    }

    /** A finished install on a server reports the server as it is now, on its new image. */
    @Override
    public OperationStatus reported(SandboxOperation operation, OperationStatus status) {
        if (operation.resource().type() == ResourceType.SERVER && status instanceof OperationStatus.Succeeded done) {
            return new OperationStatus.Succeeded(done.handle(), done.finishedAt(),
                    Optional.ofNullable(cloud.state().servers.get(operation.resource().id())));
        }
        return status;
    }

    /** Once every pod runs {@code artifact}, it is the workload's image and the pods need no record of their own. */
    private static void promoteWhenUniform(SandboxState state, ProviderWorkload workload, String artifact) {
        var pods = SandboxInstance.podIds(workload);
        if (pods.stream().allMatch(pod -> artifact.equals(state.podImages.get(pod)))) {
            pods.forEach(state.podImages::remove);
            state.workloads.put(workload.id(), new ProviderWorkload(workload.id(), workload.name(), workload.region(),
                    workload.zone(), workload.namespace(), workload.kind(), artifact, workload.desiredReplicas(),
                    workload.readyReplicas(), workload.perReplica(), workload.status(), workload.token(), workload.labels(),
                    workload.createdAt()));
        }
    }

    /**
     * Forgets the installed images of {@code workload}'s pods that no longer exist: a pod that a
     * later scale-up brings back starts from the workload's image, as a new pod would.
     */
    static void forgetGonePods(SandboxState state, String workloadId) {
        String prefix = workloadId + "-";
        state.podImages.keySet().stream()
                .filter(pod -> pod.startsWith(prefix) && SandboxInstance.find(state, pod).isEmpty())
                .toList()
                .forEach(state.podImages::remove);
    }

    private SandboxInstance existing(String region, String instanceId) {
        return SandboxInstance.find(cloud.state(), instanceId)
                .filter(instance -> instance.region().equals(region))
                .orElseThrow(() -> cloud.notFound(instanceId.contains("/") ? ResourceType.WORKLOAD : ResourceType.SERVER, instanceId));
    }

    private static ProviderServer withImage(ProviderServer s, String image) {
        return new ProviderServer(s.id(), s.name(), s.region(), s.zone(), s.host(), s.flavorId(), image, s.status(),
                s.providerStatus(), s.token(), s.addresses(), s.tags(), s.createdAt());
    }
}
