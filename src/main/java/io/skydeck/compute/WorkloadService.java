package io.skydeck.compute;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.ContainerPools;
import io.skydeck.capacity.Placement;
import io.skydeck.capacity.Placements;
import io.skydeck.compute.ComputeViews.CreateWorkload;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.network.DefaultNetworks;
import io.skydeck.network.Network;
import io.skydeck.network.ServerNetworks;
import io.skydeck.network.TenantSecurityGroup;
import io.skydeck.operations.Cancellations;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.provisioning.NewResource;
import io.skydeck.provisioning.Provisioning;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Workload requests. The pool choice reads the providers, so it is made first, outside any
 * transaction ({@link #plan}); the transaction that follows ({@link #create}) runs the provisioning
 * pipeline ({@link Provisioning}) like every kind, whose placement step only re-validates the plan
 * against the database — the tenant's allow-list and the ledger's pool rows.
 */
@ApplicationScoped
public class WorkloadService {

    public record Started(Workload workload, Operation operation) {
    }

    /** What a create request asks for, with the pools that fit it as the providers reported them. */
    public record Plan(WorkloadKind kind, int replicas, ContainerResources perReplica, ContainerPools.Decision decision,
                       Optional<UUID> networkId) {
    }

    @Inject
    WorkloadRepository workloadRepository;

    @Inject
    TenantRepository tenantRepository;

    @Inject
    QuotaService quotas;

    @Inject
    Placements placements;

    @Inject
    Provisioning provisioning;

    @Inject
    OperationService operations;

    @Inject
    Cancellations cancellations;

    @Inject
    ServerNetworks serverNetworks;

    @Inject
    DefaultNetworks defaultNetworks;

    @Inject
    AuditLog audit;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    /** Reads the pools (provider calls): never inside a transaction. */
    @Transactional(Transactional.TxType.NEVER)
    public Plan plan(Tenant tenant, CreateWorkload request) {
        WorkloadKind kind = WorkloadKinds.parse(request.kind());
        int replicas = kind == WorkloadKind.DAEMON_SET ? 1 : request.replicas();
        ContainerResources perReplica = new ContainerResources(request.cpuMillis(), request.memoryMib(), 1);
        var hints = request.hints();
        if (request.networkId() == null && request.securityGroups() != null && !request.securityGroups().isEmpty()) {
            throw ProblemException.invalid("securityGroups", "security groups apply to a workload in a network; name its networkId");
        }
        if (request.networkId() != null) {
            // In a network: its provider and region (on Kubernetes, its namespace), nowhere else.
            Network network = serverNetworks.available(tenant.id(), request.networkId(), LockModeType.NONE);
            if (!tenant.allowedProviders().isEmpty() && !tenant.allowedProviders().contains(network.provider())) {
                throw new ProblemException(ProblemType.NO_CAPACITY, "network " + network.name() + " is in provider "
                        + network.provider() + ", which the tenant may not use");
            }
            ContainerPools.Decision decision = placements.readPools(perReplica, replicas, Optional.empty(),
                    Optional.of(network.region()), Set.of(network.provider()));
            return new Plan(kind, replicas, perReplica, decision, Optional.of(network.id()));
        }
        ContainerPools.Decision decision = placements.readPools(perReplica, replicas,
                Optional.ofNullable(hints).map(ComputeViews.PlacementHintsView::providerKind),
                Optional.ofNullable(hints).map(ComputeViews.PlacementHintsView::region),
                tenant.allowedProviders());
        return new Plan(kind, replicas, perReplica, decision, Optional.empty());
    }

    /** Reads a workload's pools before a scale (provider calls: never in a transaction) and records them. */
    @Transactional(Transactional.TxType.NEVER)
    public void readPools(Workload workload) {
        placements.readPool(workload.provider(), workload.region());
    }

    @Transactional
    public Started create(Tenant tenant, Project project, CreateWorkload request, Plan plan) {
        List<TenantSecurityGroup> groups = plan.networkId().map(id -> serverNetworks.groups(tenant.id(),
                serverNetworks.available(tenant.id(), id, LockModeType.PESSIMISTIC_READ), request.securityGroups())).orElse(List.of());
        Provisioning.Admitted<Workload> admitted = provisioning.admit(tenant, new NewWorkload(tenant, project, request, plan));
        serverNetworks.join("workload", admitted.resource().id(), tenant.id(), groups);
        return new Started(admitted.resource(), admitted.operation());
    }

    /** A workload as the provisioning pipeline builds it: replicas placed in a region's container pools. */
    private final class NewWorkload implements NewResource<Workload> {
        private final Tenant tenant;
        private final Project project;
        private final CreateWorkload request;
        private final Plan plan;
        /** The tenant's default network, when no network is named and the pool's provider has them. */
        private Optional<ServerNetworks.Choice> defaultNetwork = Optional.empty();

        NewWorkload(Tenant tenant, Project project, CreateWorkload request, Plan plan) {
            this.tenant = tenant;
            this.project = project;
            this.request = request;
            this.plan = plan;
        }

        @Override
        public String type() {
            return "workload";
        }

        @Override
        public OperationKind createKind() {
            return OperationKind.CREATE_WORKLOAD;
        }

        @Override
        public String purpose() {
            return "workload " + request.name();
        }

        @Override
        public QuotaAmounts quota() {
            return amounts(plan.perReplica(), plan.replicas(), 1);
        }

        @Override
        public Placement place(UUID workloadId) {
            // The tenant's row as it is now decides the allow-list; the plan was read before the transaction.
            Placement placed = placements.workload(plan.decision(), plan.perReplica().times(plan.replicas()),
                    tenantRepository.findById(tenant.id()).allowedProviders());
            if (plan.networkId().isEmpty() && defaultNetworks.offeredBy(placed.provider())) {
                // After the pool's rows, before the quota's; the create operation waits until the network exists.
                defaultNetwork = Optional.of(defaultNetworks.forNewResource(tenant, project, placed.provider(), placed.region()));
            }
            return placed;
        }

        @Override
        public Workload build(UUID id, QuotaReservation reservation, Placement placed, Instant now) {
            Workload workload = new Workload(id, tenant.id(), project.id(), request.name(), plan.kind(), request.image(), plan.replicas(),
                    request.cpuMillis(), request.memoryMib(), placed.provider(), placed.region(), reservation.id(), now);
            plan.networkId().or(() -> defaultNetwork.map(choice -> choice.network().id())).ifPresent(workload::inNetwork);
            return workload;
        }

        @Override
        public WorkloadRepository repository() {
            return workloadRepository;
        }

        @Override
        public LifecycleEvents.Shape shape(Workload workload) {
            return shapeOf(workload);
        }

        @Override
        public Map<String, Object> auditDetails(Workload workload, Placement placed) {
            return Map.of("name", request.name(), "image", request.image(), "replicas", plan.replicas());
        }
    }

    @Transactional
    public Started scale(Tenant tenant, Workload workload, int replicas) {
        Workload managed = lockIdle(workload);
        if (managed.status() != Workload.Status.RUNNING) {
            throw new ProblemException(ProblemType.CONFLICT, "workload " + managed.id() + " is " + managed.status() + "; scaling needs it RUNNING");
        }
        if (managed.kind() == WorkloadKind.DAEMON_SET) {
            throw ProblemException.invalid("replicas", "a DaemonSet runs one replica per node; it cannot be scaled");
        }
        ContainerResources perReplica = new ContainerResources(managed.cpuMillis(), managed.memoryMib(), 1);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("replicas", String.valueOf(replicas));
        if (replicas > managed.replicas()) {
            // The pool, then the quota — the pipeline's lock order. The pool must hold the larger
            // count until the scale ends: admitted and held here.
            placements.growWorkload(managed.provider(), managed.region(), managed.id(), perReplica.times(replicas))
                    .ifPresent(refused -> {
                        throw new ProblemException(ProblemType.NO_CAPACITY, refused, List.of(), Map.of());
                    });
            managed.holdReplicas(replicas);
            QuotaAmounts growth = minus(amounts(perReplica, replicas, 0), amounts(perReplica, managed.replicas(), 0));
            if (!growth.isZero()) {
                params.put("growthReservation", quotas.reserve(tenant, "scale of workload " + managed.name(), growth).id().toString());
            }
        }
        managed.moveTo(Workload.Status.SCALING, now());
        Operation op = operations.start(managed.tenantId(), OperationKind.SCALE_WORKLOAD, "workload", managed.id(),
                managed.provider(), OperationParams.write(json, params));
        audit.record("workload.scale-requested", "workload", managed.id(), managed.tenantId(), Map.of("replicas", replicas));
        return new Started(managed, op);
    }

    /**
     * Deletes the workload. A scale still running is superseded — ended CANCELLED and undone as its
     * failure would be — and a delete already running is answered again; a create still running is
     * a 409 (nothing would remove what the provider already made of it). Locks the running
     * operation's row before the workload's, as the runner and a cancel do.
     */
    @Transactional
    public Optional<Started> delete(Workload workload) {
        Optional<Operation> running = cancellations.lockActiveOn(workload.id());
        Workload managed = workloadRepository.findById(workload.id(), LockModeType.PESSIMISTIC_WRITE);
        Optional<Operation> active = operations.activeOn(managed.id());
        if (!active.map(Operation::id).equals(running.map(Operation::id))) {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + active.get().id() + " ("
                    + active.get().kind() + ") started on workload " + managed.id() + " while this delete waited; try again");
        }
        if (running.isPresent() && running.get().kind().deletes()) {
            return Optional.of(new Started(managed, running.get()));
        }
        if (running.isPresent()) {
            Cancellations.whyNotCancellable(running.get()).ifPresent(why -> {
                throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + running.get().id() + " ("
                        + running.get().kind() + ") is still running on workload " + managed.id() + "; " + why);
            });
            cancellations.supersede(running.get());
        }
        Optional<Started> deleting = deleteIdle(managed);
        running.ifPresent(superseded -> deleting.ifPresent(started -> cancellations.supersededBy(superseded, started.operation())));
        return deleting;
    }

    private Optional<Started> deleteIdle(Workload managed) {
        if (managed.status() == Workload.Status.DELETED) {
            return Optional.empty();
        }
        if (managed.status() == Workload.Status.FAILED) {
            managed.moveTo(Workload.Status.DELETED, now());
            audit.record("workload.deleted", "workload", managed.id(), managed.tenantId(), Map.of("provider", "nothing to delete"));
            return Optional.empty();
        }
        managed.moveTo(Workload.Status.DELETING, now());
        Operation op = operations.start(managed.tenantId(), OperationKind.DELETE_WORKLOAD, "workload", managed.id(),
                managed.provider(), null);
        audit.record("workload.delete-requested", "workload", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return Optional.of(new Started(managed, op));
    }

    private Workload lockIdle(Workload workload) {
        Workload managed = workloadRepository.findById(workload.id(), LockModeType.PESSIMISTIC_WRITE);
        operations.activeOn(managed.id()).ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS,
                    "operation " + op.id() + " (" + op.kind() + ") is still running on workload " + managed.id());
        });
        return managed;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Workload> find(UUID id) {
        return workloadRepository.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Workload> list(Optional<UUID> tenantId, Optional<UUID> projectId, Optional<Workload.Status> status, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("projectId", projectId).where("status", status)
                .page(workloadRepository, page);
    }

    public static Cursor position(Workload w) {
        return new Cursor(w.createdAt(), w.id());
    }

    static LifecycleEvents.Shape shapeOf(Workload w) {
        return new LifecycleEvents.Shape(null, w.cpuMillis(), w.memoryMib(), 0, w.replicas());
    }

    /** Quota a workload of {@code replicas} holds: CPU rounded up to whole vCPUs, memory to GiB. */
    static QuotaAmounts amounts(ContainerResources perReplica, int replicas, int workloads) {
        long cpu = (perReplica.cpuMillis() * replicas + 999) / 1000;
        long gib = (perReplica.memoryMiB() * replicas + 1023) / 1024;
        return new QuotaAmounts(cpu, gib, 0, workloads, 0, 0);
    }

    private static QuotaAmounts minus(QuotaAmounts a, QuotaAmounts b) {
        return new QuotaAmounts(Math.max(0, a.vcpu() - b.vcpu()), Math.max(0, a.memoryGib() - b.memoryGib()), 0, 0, 0, 0);
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
