package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.ProviderWorkload;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.WorkloadStatus;
import io.skydeck.connectors.spi.Workloads;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Container workloads in one container pool per zone. A workload's id is "namespace/name", as
 * on Kubernetes. The sandbox's pool is a single node, so a DaemonSet runs exactly one replica.
 * Metering runs while replicas are ready: vCPU-hours and GiB-hours at the topology's container
 * rates, restarted at each finished scale. Its pods are {@link SandboxInstance.Pod}s, which
 * {@link SandboxDeployments} installs on one by one.
 */
final class SandboxWorkloads implements Workloads, SandboxCloud.Settler {
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final BigDecimal MIB_PER_GIB = BigDecimal.valueOf(1024);

    private final SandboxCloud cloud;

    SandboxWorkloads(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public OperationHandle create(WorkloadSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.CREATE_WORKLOAD, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_WORKLOAD, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            var state = cloud.state();
            String id = spec.namespace() + "/" + spec.name();
            if (state.workloads.containsKey(id)) {
                throw cloud.rejected("Workload " + id + " already exists.");
            }
            var region = cloud.topology().region(spec.region()).orElseThrow(() -> cloud.notFound(ResourceType.REGION, spec.region()));
            int replicas = spec.kind() == WorkloadKind.DAEMON_SET ? 1 : spec.replicas();
            var demand = spec.perReplica().times(replicas);
            var capacity = new SandboxCapacity(cloud.topology(), state);
            var zones = region.zones().stream().filter(z -> spec.zone().map(z.id()::equals).orElse(true)).toList();
            if (zones.isEmpty()) {
                throw cloud.notFound(ResourceType.ZONE, spec.zone().orElseThrow());
            }
            var zone = zones.stream().filter(z -> capacity.poolFree(z).fits(demand)).findFirst()
                    .orElseThrow(() -> new ProviderUnavailable(cloud.name(), "Insufficient container capacity for " + replicas
                            + " replicas of " + spec.perReplica() + " in " + zones.stream().map(SandboxTopology.ZoneSpec::id).toList()
                            + ".", "Unschedulable", null));
            var workload = new ProviderWorkload(id, spec.name(), region.id(), Optional.of(zone.id()), spec.namespace(), spec.kind(),
                    spec.image(), replicas, 0, spec.perReplica(), WorkloadStatus.PROGRESSING, Optional.of(token), spec.labels(),
                    acceptance.now());
            state.workloads.put(id, workload);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, ref(workload), Optional.of(token),
                    cloud.topology().latency().create(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_WORKLOAD, spec, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle delete(String workloadId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_WORKLOAD, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_WORKLOAD, workloadId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var workload = existing(workloadId);
            var pending = cloud.pendingOn(workloadId);
            if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
                return pending.get().handle(cloud.name());
            }
            pending.ifPresent(op -> cloud.supersede(op, acceptance.now(), "workload " + workloadId + " was deleted"));
            var state = cloud.state();
            state.stopMetering(workloadId, acceptance.now());
            state.workloads.put(workloadId, with(workload, workload.desiredReplicas(), workload.readyReplicas(), WorkloadStatus.TERMINATING));
            var handle = cloud.accept(acceptance, OperationKind.DELETE, ref(workload), Optional.of(token),
                    cloud.topology().latency().delete(), Optional.empty());
            cloud.remember(token, SandboxCall.DELETE_WORKLOAD, workloadId, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle scale(String workloadId, int replicas) {
        return scale(workloadId, replicas, Optional.empty());
    }

    @Override
    public OperationHandle scale(String workloadId, int replicas, IdempotencyToken token) {
        return scale(workloadId, replicas, Optional.of(token));
    }

    private OperationHandle scale(String workloadId, int replicas, Optional<IdempotencyToken> token) {
        return cloud.mutate(SandboxCall.SCALE_WORKLOAD, acceptance -> cloud.once(token, SandboxCall.SCALE_WORKLOAD,
                workloadId + "|" + replicas, () -> {
            var workload = existing(workloadId);
            if (workload.kind() == WorkloadKind.DAEMON_SET) {
                throw cloud.rejected("A DaemonSet runs one replica per node and cannot be scaled.");
            }
            if (replicas < 0) {
                throw cloud.rejected("replicas cannot be negative: " + replicas);
            }
            var pending = cloud.pendingOn(workloadId);
            if (pending.isPresent()) {
                if (pending.get().kind() == OperationKind.SCALE && workload.desiredReplicas() == replicas) {
                    return pending.get().handle(cloud.name());
                }
                throw cloud.rejected("Workload " + workloadId + " is busy with " + pending.get().kind() + ".");
            }
            if (workload.desiredReplicas() == replicas) {
                return cloud.acceptNothingToDo(acceptance, OperationKind.SCALE, ref(workload));
            }
            var zone = zoneSpec(workload);
            int added = Math.max(0, replicas - Math.max(workload.desiredReplicas(), workload.readyReplicas()));
            if (!new SandboxCapacity(cloud.topology(), cloud.state()).poolFree(zone).fits(workload.perReplica().times(added))) {
                throw new ProviderUnavailable(cloud.name(), "Insufficient container capacity in " + zone.id() + " for "
                        + added + " more replicas.", "Unschedulable", null);
            }
            cloud.state().workloads.put(workloadId, with(workload, replicas, workload.readyReplicas(), WorkloadStatus.PROGRESSING));
            return cloud.accept(acceptance, OperationKind.SCALE, ref(workload), token,
                    cloud.topology().latency().scale(), Optional.of(Integer.toString(workload.desiredReplicas())));
        }));
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_WORKLOADS);
    }

    @Override
    public Optional<ProviderWorkload> get(String workloadId) {
        return cloud.read(SandboxCall.READ_WORKLOADS, () -> Optional.ofNullable(cloud.state().workloads.get(workloadId)));
    }

    @Override
    public Optional<ProviderWorkload> findByToken(IdempotencyToken token) {
        return cloud.read(SandboxCall.READ_WORKLOADS, () -> cloud.state().workloads.values().stream()
                .filter(workload -> workload.token().equals(Optional.of(token)))
                .findFirst());
    }

    @Override
    public List<ProviderWorkload> list() {
        return cloud.read(SandboxCall.READ_WORKLOADS, () -> List.copyOf(cloud.state().workloads.values()));
    }

    @Override
    public void finish(SandboxOperation operation) {
        var state = cloud.state();
        var workload = state.workloads.get(operation.resource().id());
        if (workload == null) {
            return;
        }
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        Instant at = operation.dueAt();
        switch (operation.kind()) {
            case CREATE -> {
                if (ok) {
                    state.workloads.put(workload.id(), with(workload, workload.desiredReplicas(), workload.desiredReplicas(), WorkloadStatus.AVAILABLE));
                    startMetering(workload, workload.desiredReplicas(), at);
                } else {
                    state.workloads.put(workload.id(), with(workload, workload.desiredReplicas(), 0, WorkloadStatus.FAILED));
                }
            }
            case DELETE -> {
                if (ok) {
                    state.workloads.remove(workload.id());
                } else {
                    state.workloads.put(workload.id(), with(workload, workload.desiredReplicas(), 0, WorkloadStatus.FAILED));
                }
            }
            case SCALE -> {
                if (ok) {
                    state.stopMetering(workload.id(), at);
                    state.workloads.put(workload.id(), with(workload, workload.desiredReplicas(), workload.desiredReplicas(), WorkloadStatus.AVAILABLE));
                    startMetering(workload, workload.desiredReplicas(), at);
                } else {
                    int before = Integer.parseInt(operation.argument().orElseThrow());
                    var status = workload.readyReplicas() == before ? WorkloadStatus.AVAILABLE : WorkloadStatus.DEGRADED;
                    state.workloads.put(workload.id(), with(workload, before, workload.readyReplicas(), status));
                }
            }
            case START, STOP, RESIZE, UPDATE -> throw new IllegalStateException("workloads do not " + operation.kind());
        }
        SandboxDeployments.forgetGonePods(state, workload.id());
    }

    private void startMetering(ProviderWorkload workload, int replicas, Instant at) {
        if (replicas == 0) {
            return;
        }
        var topology = cloud.topology();
        ContainerResources total = workload.perReplica().times(replicas);
        var vcpus = BigDecimal.valueOf(total.cpuMillis()).divide(THOUSAND, 6, RoundingMode.HALF_EVEN);
        var gib = BigDecimal.valueOf(total.memoryMiB()).divide(MIB_PER_GIB, 6, RoundingMode.HALF_EVEN);
        var usage = cloud.state().usage;
        usage.add(new UsageSegment(workload.id(), ResourceType.WORKLOAD, workload.region(), "container-vcpu-hours", "vCPU-Hrs",
                vcpus, topology.containerVcpuHourly(), at, Optional.empty(), workload.labels()));
        usage.add(new UsageSegment(workload.id(), ResourceType.WORKLOAD, workload.region(), "container-gib-hours", "GiB-Hrs",
                gib, topology.containerGibHourly(), at, Optional.empty(), workload.labels()));
    }

    private SandboxTopology.ZoneSpec zoneSpec(ProviderWorkload workload) {
        return cloud.topology().region(workload.region()).orElseThrow().zones().stream()
                .filter(zone -> zone.id().equals(workload.zone().orElseThrow()))
                .findFirst().orElseThrow();
    }

    private ProviderWorkload existing(String workloadId) {
        var workload = cloud.state().workloads.get(workloadId);
        if (workload == null) {
            throw cloud.notFound(ResourceType.WORKLOAD, workloadId);
        }
        return workload;
    }

    private static ProviderWorkload with(ProviderWorkload w, int desired, int ready, WorkloadStatus status) {
        return new ProviderWorkload(w.id(), w.name(), w.region(), w.zone(), w.namespace(), w.kind(), w.image(), desired, ready,
                w.perReplica(), status, w.token(), w.labels(), w.createdAt());
    }

    private static ResourceRef ref(ProviderWorkload workload) {
        return new ResourceRef(ResourceType.WORKLOAD, workload.id(), workload.region());
    }
}
