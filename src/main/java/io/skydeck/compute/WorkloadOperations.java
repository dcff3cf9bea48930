package io.skydeck.compute;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
import io.skydeck.network.Network;
import io.skydeck.network.NetworkRepository;
import io.skydeck.network.ServerNetworks;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationHandler;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** What creating, scaling and deleting a workload does at each step. */
@ApplicationScoped
public class WorkloadOperations implements OperationHandler {

    private static final Set<OperationKind> KINDS =
            Set.of(OperationKind.CREATE_WORKLOAD, OperationKind.SCALE_WORKLOAD, OperationKind.DELETE_WORKLOAD);

    @Inject
    WorkloadRepository workloadRepository;

    @Inject
    TenantRepository tenantRepository;

    @Inject
    ProviderRegistry providers;

    @Inject
    NetworkRepository networks;

    @Inject
    ServerNetworks serverNetworks;

    @Inject
    QuotaService quotas;

    @Inject
    LifecycleEvents events;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper json;

    @Override
    public boolean handles(OperationKind kind) {
        return KINDS.contains(kind);
    }

    static IdempotencyToken createToken(UUID workloadId) {
        return IdempotencyToken.of("skydeck-wl-" + workloadId);
    }

    static IdempotencyToken deleteToken(UUID workloadId) {
        return IdempotencyToken.of("skydeck-wldel-" + workloadId);
    }

    /** Kubernetes namespaces are per tenant; other providers ignore the namespace. */
    static String namespaceOf(UUID tenantId) {
        return "skydeck-" + tenantId;
    }

    @Override
    public Optional<OperationHandle> submit(Operation op) {
        Workload w = QuarkusTransaction.requiringNew().call(() -> workloadRepository.findById(op.targetId()));
        Workloads workloads = providers.get(w.provider()).require(Workloads.class);
        return switch (op.kind()) {
            case CREATE_WORKLOAD -> {
                // In a network on Kubernetes, the network is a namespace of its own; otherwise the tenant's namespace.
                // A default network made with the workload may not exist in the provider yet: the create waits for it.
                String namespace = w.networkId() == null ? namespaceOf(w.tenantId())
                        : QuarkusTransaction.requiringNew().call(() -> {
                            Network network = networks.findById(w.networkId());
                            ServerNetworks.requireRealised(network, null);
                            return network.providerNetworkId();
                        });
                List<String> groups = QuarkusTransaction.requiringNew().call(() -> serverNetworks.providerGroupIds("workload", w.id()));
                yield Optional.of(workloads.create(new WorkloadSpec(w.name(), w.region(), Optional.empty(),
                        namespace, w.kind(), w.image(), w.replicas(),
                        new ContainerResources(w.cpuMillis(), w.memoryMib(), 1),
                        Map.of("skydeck-tenant", w.tenantId().toString(), "skydeck-workload", w.id().toString())).inGroups(groups),
                        createToken(w.id())));
            }
            case SCALE_WORKLOAD -> Optional.of(workloads.scale(w.providerWorkloadId(), Integer.parseInt(params(op).get("replicas")),
                    OperationHandler.actionToken(op)));
            case DELETE_WORKLOAD -> {
                try {
                    yield Optional.of(workloads.delete(w.providerWorkloadId(), deleteToken(w.id())));
                } catch (ResourceNotFound gone) {
                    yield Optional.empty();
                }
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a workload operation");
        };
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, Instant finishedAt) {
        Workload w = workloadRepository.findById(op.targetId());
        LifecycleEvents.Kind event;
        switch (op.kind()) {
            case CREATE_WORKLOAD -> {
                w.running(handle.resource().id(), finishedAt);
                event = LifecycleEvents.Kind.CREATED;
            }
            case SCALE_WORKLOAD -> {
                Map<String, String> params = params(op);
                int replicas = Integer.parseInt(params.get("replicas"));
                Tenant tenant = tenantRepository.findById(w.tenantId());
                quotas.release(w.quotaReservationId());
                Optional.ofNullable(params.get("growthReservation")).map(UUID::fromString).ifPresent(quotas::release);
                QuotaReservation fresh = quotas.reserve(tenant, "workload " + w.name(), WorkloadService.amounts(
                        new ContainerResources(w.cpuMillis(), w.memoryMib(), 1), replicas, 1));
                w.scaled(replicas, fresh.id(), finishedAt);
                event = LifecycleEvents.Kind.SCALED;
            }
            case DELETE_WORKLOAD -> {
                w.moveTo(Workload.Status.DELETED, finishedAt);
                quotas.release(w.quotaReservationId());
                serverNetworks.leave("workload", w.id());
                event = LifecycleEvents.Kind.DELETED;
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a workload operation");
        }
        events.record(LifecycleEvents.idFor(op.id(), event), w.tenantId(), "workload", w.id(), event, finishedAt,
                w.provider(), w.region(), w.providerWorkloadId(), WorkloadService.shapeOf(w));
        audit.record("workload." + event.name().toLowerCase(), "workload", w.id(), w.tenantId(),
                Map.of("status", w.status().name(), "operation", op.id()));
    }

    @Override
    public void failed(Operation op, ProviderException error, Instant at) {
        Workload w = workloadRepository.findById(op.targetId());
        switch (op.kind()) {
            case CREATE_WORKLOAD -> {
                w.moveTo(Workload.Status.FAILED, at);
                quotas.release(w.quotaReservationId());
                // Nothing runs: it leaves its groups now (a failed workload is deleted without an operation).
                serverNetworks.leave("workload", w.id());
                events.record(LifecycleEvents.idFor(op.id(), LifecycleEvents.Kind.FAILED), w.tenantId(), "workload", w.id(),
                        LifecycleEvents.Kind.FAILED, at, w.provider(), w.region(), null, WorkloadService.shapeOf(w));
            }
            case SCALE_WORKLOAD -> {
                w.moveTo(Workload.Status.RUNNING, at);
                w.releaseHeld();
                Optional.ofNullable(params(op).get("growthReservation")).map(UUID::fromString).ifPresent(quotas::release);
            }
            case DELETE_WORKLOAD -> w.moveTo(Workload.Status.RUNNING, at);
            default -> {
            }
        }
        GiveUpAudit.record(audit, "workload", op, error);
    }

    @Override
    public void lockTarget(Operation op) {
        workloadRepository.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
    }

    private Map<String, String> params(Operation op) {
        return OperationParams.read(json, op);
    }
}
