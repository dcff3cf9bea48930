package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderWorkload;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.WorkloadStatus;
import io.skydeck.connectors.spi.Workloads;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Workloads as Deployments, StatefulSets and DaemonSets in tenant namespaces. A workload's id
 * is "namespace/name"; one name is one workload of one kind in a namespace.
 *
 * <p>Idempotency: a create labels its object with the token and annotates it with a digest of
 * the spec. A create first looks for the token in the namespace; a hit with the same digest is
 * the first call's handle, with another digest a {@link RequestRejected}. Two concurrent
 * creates race on the name and the loser (409) finds the winner's token the same way.
 */
final class KubernetesWorkloads implements Workloads {
    private final Cluster cluster;

    KubernetesWorkloads(Cluster cluster) {
        this.cluster = cluster;
    }

    @Override
    public OperationHandle create(WorkloadSpec spec, IdempotencyToken token) {
        cluster.requireTenantNamespace(spec.namespace());
        cluster.requireRegion(spec.region());
        String id = ManifestToProviderWorkload.id(spec.namespace(), spec.name());
        var earlier = withToken(Optional.of(spec.namespace()), token);
        if (!earlier.isEmpty()) {
            return replay(earlier.get(0), spec, token);
        }
        HasMetadata manifest = WorkloadSpecToManifest.manifest(spec, token);
        try {
            return createHandle(cluster.client().resource(manifest).create(), token);
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                var taken = read(new WorkloadOperation(spec.kind(), spec.namespace(), spec.name()));
                if (taken.isPresent()) {
                    return replay(taken.get(), spec, token);
                }
            }
            throw failedCreate(e, id);
        }
    }

    @Override
    public OperationHandle delete(String workloadId, IdempotencyToken token) {
        HasMetadata workload = existing(workloadId);
        var metadata = workload.getMetadata();
        cluster.requireTenantNamespace(metadata.getNamespace());
        Instant acceptedAt;
        if (metadata.getDeletionTimestamp() != null) {
            acceptedAt = Instant.parse(metadata.getDeletionTimestamp());
        } else {
            // Foreground: the object stays (Terminating) until its pods are gone, so "deleted" means stopped.
            var deleted = cluster.errors().call(ResourceType.WORKLOAD, workloadId, () -> cluster.client()
                    .resources(workload.getClass()).inNamespace(metadata.getNamespace()).withName(metadata.getName())
                    .withPropagationPolicy(DeletionPropagation.FOREGROUND).delete());
            if (deleted.isEmpty()) {
                throw notFound(workloadId);
            }
            acceptedAt = cluster.clock().instant();
        }
        return handle(OperationKind.DELETE, operation(workload), Optional.of(token), acceptedAt);
    }

    @Override
    public OperationHandle scale(String workloadId, int replicas) {
        HasMetadata workload = existing(workloadId);
        cluster.requireTenantNamespace(workload.getMetadata().getNamespace());
        var operation = operation(workload);
        if (operation.kind() == WorkloadKind.DAEMON_SET) {
            throw new RequestRejected(cluster.provider(), "A DaemonSet runs one replica per node and cannot be scaled.", "NotScalable", null);
        }
        if (replicas < 0) {
            throw new RequestRejected(cluster.provider(), "replicas cannot be negative: " + replicas, "Invalid", null);
        }
        if (ControllerStatusToState.of(workload).desiredReplicas() != replicas) {
            // A merge patch of spec.replicas only: whatever else changed meanwhile is left alone.
            String patch = "{\"spec\":{\"replicas\":" + replicas + "}}";
            // Through resource(workload): fabric8 then patches the object we hold instead of reading it again.
            cluster.errors().call(ResourceType.WORKLOAD, workloadId, () -> cluster.client().resource(workload)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch));
        }
        return handle(OperationKind.SCALE, operation, Optional.empty(), cluster.clock().instant());
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        if (InstallOperation.isInstall(handle.operationId())) {
            // An install's handle is on a pod, a WORKLOAD-typed resource, so the provider's poll routes it here.
            return new PodImageInstalls(cluster).poll(handle);
        }
        var operation = parse(handle);
        var workload = read(operation);
        Instant now = cluster.clock().instant();
        if (handle.kind() == OperationKind.DELETE) {
            return workload.isEmpty()
                    ? new OperationStatus.Succeeded(handle, now)
                    : new OperationStatus.InProgress(handle, "Terminating");
        }
        if (workload.isEmpty()) {
            return new OperationStatus.Failed(handle, now, new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD,
                    handle.resource().id(), "Workload " + handle.resource().id() + " was deleted before it became available."));
        }
        ControllerState state = ControllerStatusToState.of(workload.get());
        if (state.status() == WorkloadStatus.FAILED) {
            return new OperationStatus.Failed(handle, now, failure(state));
        }
        if (state.status() == WorkloadStatus.AVAILABLE) {
            // The controller's own time when it says so; otherwise when we first see it (now).
            Instant finishedAt = state.availableSince().filter(since -> !since.isBefore(handle.acceptedAt())).orElse(now);
            return new OperationStatus.Succeeded(handle, finishedAt);
        }
        return new OperationStatus.InProgress(handle, state.detail());
    }

    @Override
    public Optional<ProviderWorkload> get(String workloadId) {
        String[] parts = workloadId.split("/");
        if (parts.length != 2) {
            return Optional.empty();
        }
        for (WorkloadKind kind : WorkloadKinds.LOOKUP_ORDER) {
            var found = read(new WorkloadOperation(kind, parts[0], parts[1]));
            if (found.isPresent()) {
                return found.map(this::convert);
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<ProviderWorkload> findByToken(IdempotencyToken token) {
        return withToken(Optional.empty(), token).stream().findFirst().map(this::convert);
    }

    /** Every workload in Skydeck's tenant namespaces, whoever made it: drift detection wants the strangers too. */
    @Override
    public List<ProviderWorkload> list() {
        var workloads = new ArrayList<ProviderWorkload>();
        for (WorkloadKind kind : WorkloadKinds.LOOKUP_ORDER) {
            var items = cluster.errors().call(ResourceType.WORKLOAD, "*", () -> cluster.client()
                    .resources(WorkloadKinds.type(kind)).inAnyNamespace().list().getItems());
            items.stream().filter(item -> cluster.isTenantNamespace(item.getMetadata().getNamespace()))
                    .map(this::convert).forEach(workloads::add);
        }
        return workloads;
    }

    private OperationHandle replay(HasMetadata existing, WorkloadSpec spec, IdempotencyToken token) {
        var metadata = existing.getMetadata();
        String id = ManifestToProviderWorkload.id(metadata.getNamespace(), metadata.getName());
        String theirToken = metadata.getLabels() == null ? null : metadata.getLabels().get(SkydeckLabels.IDEMPOTENCY_TOKEN);
        if (!token.value().equals(theirToken)) {
            throw new RequestRejected(cluster.provider(), "Workload " + id + " already exists and was created by another request.",
                    "AlreadyExists", null);
        }
        String digest = metadata.getAnnotations() == null ? null : metadata.getAnnotations().get(SkydeckLabels.SPEC_DIGEST);
        if (!WorkloadSpecToManifest.specDigest(spec).equals(digest)) {
            throw new RequestRejected(cluster.provider(), "Idempotency token " + token + " already created workload " + id
                    + " from a different spec.", "IdempotencyTokenReused", null);
        }
        return createHandle(existing, token);
    }

    /** Accepted at the object's creation time, so that a replay returns an equal handle. */
    private OperationHandle createHandle(HasMetadata created, IdempotencyToken token) {
        String timestamp = created.getMetadata().getCreationTimestamp();
        Instant acceptedAt = timestamp == null ? cluster.clock().instant() : Instant.parse(timestamp);
        return handle(OperationKind.CREATE, operation(created), Optional.of(token), acceptedAt);
    }

    private OperationHandle handle(OperationKind kind, WorkloadOperation operation, Optional<IdempotencyToken> token, Instant acceptedAt) {
        var ref = new ResourceRef(ResourceType.WORKLOAD, ManifestToProviderWorkload.id(operation.namespace(), operation.name()), cluster.region());
        return new OperationHandle(cluster.provider(), operation.format(), kind, ref, token, acceptedAt);
    }

    private List<HasMetadata> withToken(Optional<String> namespace, IdempotencyToken token) {
        var found = new ArrayList<HasMetadata>();
        for (WorkloadKind kind : WorkloadKinds.LOOKUP_ORDER) {
            var items = cluster.errors().call(ResourceType.WORKLOAD, token.value(), () -> {
                var resources = cluster.client().resources(WorkloadKinds.type(kind));
                var scoped = namespace.isPresent() ? resources.inNamespace(namespace.get()) : resources.inAnyNamespace();
                return scoped.withLabel(SkydeckLabels.IDEMPOTENCY_TOKEN, token.value()).list().getItems();
            });
            found.addAll(items);
        }
        return found;
    }

    private Optional<HasMetadata> read(WorkloadOperation operation) {
        String id = ManifestToProviderWorkload.id(operation.namespace(), operation.name());
        return Optional.ofNullable(cluster.errors().call(ResourceType.WORKLOAD, id, () -> cluster.client()
                .resources(WorkloadKinds.type(operation.kind())).inNamespace(operation.namespace()).withName(operation.name()).get()));
    }

    private HasMetadata existing(String workloadId) {
        String[] parts = workloadId.split("/");
        if (parts.length == 2) {
            for (WorkloadKind kind : WorkloadKinds.LOOKUP_ORDER) {
                var found = read(new WorkloadOperation(kind, parts[0], parts[1]));
                if (found.isPresent()) {
                    return found.get();
                }
            }
        }
        throw notFound(workloadId);
    }

    private WorkloadOperation parse(OperationHandle handle) {
        if (!handle.provider().equals(cluster.provider()) || handle.resource().type() != ResourceType.WORKLOAD) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(),
                    "Operation " + handle.operationId() + " was not issued by the workloads of " + cluster.provider() + ".");
        }
        try {
            return WorkloadOperation.parse(handle.operationId());
        } catch (IllegalArgumentException e) {
            throw new ResourceNotFound(cluster.provider(), ResourceType.OPERATION, handle.operationId(), e.getMessage());
        }
    }

    private ProviderException failedCreate(KubernetesClientException e, String id) {
        return cluster.errors().translate(e, ResourceType.WORKLOAD, id);
    }

    /** A ReplicaFailure whose message names a quota is the namespace's ResourceQuota refusing pods. */
    private ProviderException failure(ControllerState state) {
        String reason = state.reason().orElse(null);
        if (state.detail().contains("exceeded quota")) {
            return new QuotaExceeded(cluster.provider(), state.detail(), reason, null);
        }
        return new RequestRejected(cluster.provider(), state.detail(), reason, null);
    }

    private ResourceNotFound notFound(String workloadId) {
        return new ResourceNotFound(cluster.provider(), ResourceType.WORKLOAD, workloadId, "Workload " + workloadId + " not found.");
    }

    private static WorkloadOperation operation(HasMetadata workload) {
        return new WorkloadOperation(WorkloadKinds.of(workload), workload.getMetadata().getNamespace(), workload.getMetadata().getName());
    }

    private ProviderWorkload convert(HasMetadata workload) {
        return ManifestToProviderWorkload.convert(workload, cluster.region());
    }
}
