package io.skydeck.compute;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.PoolLedger;
import io.skydeck.compute.ComputeViews.CreateWorkload;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Workload requests. The pool choice reads the providers, so it is made first, outside any
 * transaction ({@link #plan}); the transaction that follows ({@link #create}) only re-validates
 * it against the database — quota, the tenant's allow-list — and records the workload, its
 * decision, its operation and its first event together.
 */
@ApplicationScoped
public class WorkloadService {

    public record Started(Workload workload, Operation operation) {
    }

    /** What a create request asks for, with the pools that fit it as the providers reported them. */
    public record Plan(WorkloadKind kind, int replicas, ContainerResources perReplica, ContainerPools.Decision decision) {
    }

    @Inject
    EntityManager em;

    @Inject
    QuotaService quotas;

    @Inject
    ContainerPools pools;

    @Inject
    PoolLedger poolLedger;

    /** How many of the plan's regions the ledger is asked about before the request is refused. */
    static final int PLACEMENT_ATTEMPTS = 3;

    @Inject
    OperationService operations;

    @Inject
    LifecycleEvents events;

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
        ContainerPools.Decision decision = pools.choose(perReplica, replicas,
                Optional.ofNullable(hints).map(ComputeViews.PlacementHintsView::providerKind),
                Optional.ofNullable(hints).map(ComputeViews.PlacementHintsView::region),
                tenant.allowedProviders());
        // What the providers said is written now, in its own short transaction; the create's
        // transaction then only locks and sums.
        poolLedger.record(decision.ranked().stream()
                .map(c -> new PoolLedger.PoolReading(c.provider(), c.region(), c.allocatable(), c.free())).toList());
        return new Plan(kind, replicas, perReplica, decision);
    }

    /** Reads a workload's pools before a scale (provider calls: never in a transaction) and records them. */
    @Transactional(Transactional.TxType.NEVER)
    public void readPools(Workload workload) {
        pools.reading(workload.provider(), workload.region()).ifPresent(r -> poolLedger.record(List.of(r)));
    }

    @Transactional
    public Started create(Tenant tenant, Project project, CreateWorkload request, Plan plan) {
        WorkloadKind kind = plan.kind();
        int replicas = plan.replicas();
        ContainerResources perReplica = plan.perReplica();
        ContainerPools.Decision decision = plan.decision();
        if (decision.choice().isEmpty()) {
            List<Problem.FieldError> filters = decision.rejectedBy().entrySet().stream()
                    .map(e -> new Problem.FieldError("placement." + e.getKey(), "rejected " + e.getValue() + " of "
                            + decision.regionsConsidered() + " regions"))
                    .toList();
            throw new ProblemException(ProblemType.NO_CAPACITY, decision.reason(), filters, Map.of());
        }
        // The plan's first choice the ledger admits, from regions the tenant may (still) use: the
        // tenant's row decides the allow-list, the pool's row in the ledger the room.
        java.util.Set<String> allowed = em.find(Tenant.class, tenant.id()).allowedProviders();
        ContainerPools.Choice choice = null;
        String refusal = "provider " + decision.choice().get().provider() + " is not on the tenant's allow-list";
        int tried = 0;
        for (ContainerPools.Choice candidate : decision.ranked()) {
            if (tried == PLACEMENT_ATTEMPTS) {
                break;
            }
            if (!allowed.isEmpty() && !allowed.contains(candidate.provider())) {
                continue;
            }
            tried++;
            Optional<String> refused = poolLedger.admit(candidate.provider(), candidate.region(), Optional.empty(),
                    perReplica.times(replicas));
            if (refused.isEmpty()) {
                choice = candidate;
                break;
            }
            refusal = refused.get();
        }
        if (choice == null) {
            throw new ProblemException(ProblemType.NO_CAPACITY, refusal, List.of(), Map.of());
        }
        QuotaReservation reservation = quotas.reserve(tenant, "workload " + request.name(), amounts(perReplica, replicas, 1));
        Instant now = now();
        UUID id = UUID.randomUUID();
        Workload workload = new Workload(id, tenant.id(), project.id(), request.name(), kind, request.image(), replicas,
                request.cpuMillis(), request.memoryMib(), choice.provider(), choice.region(), reservation.id(), now);
        em.persist(workload);
        Map<String, Object> explanation = new LinkedHashMap<>();
        explanation.put("outcome", "placed");
        explanation.put("decidedBy", "container-pools");
        explanation.put("target", Map.of("provider", choice.provider(), "region", choice.region()));
        explanation.put("freeCpuMillisAfter", choice.freeCpuMillisAfter());
        explanation.put("regionsConsidered", decision.regionsConsidered());
        explanation.put("rejectedBy", decision.rejectedBy());
        em.createNativeQuery("INSERT INTO placement_decision (resource_id, tenant_id, decided_by, explanation, decided_at) "
                        + "VALUES (?1, ?2, 'container-pools', ?3, ?4)")
                .setParameter(1, id).setParameter(2, tenant.id()).setParameter(3, write(explanation))
                .setParameter(4, OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .executeUpdate();
        Operation op = operations.start(tenant.id(), OperationKind.CREATE_WORKLOAD, "workload", id, choice.provider(), null);
        events.record(LifecycleEvents.idFor(id, LifecycleEvents.Kind.REQUESTED), tenant.id(), "workload", id,
                LifecycleEvents.Kind.REQUESTED, now, choice.provider(), choice.region(), null, shapeOf(workload));
        em.flush();
        audit.record("workload.requested", "workload", id, tenant.id(),
                Map.of("name", request.name(), "image", request.image(), "replicas", replicas));
        return new Started(workload, op);
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
            // The pool must hold the larger count until the scale ends: admitted and held here.
            poolLedger.admit(managed.provider(), managed.region(), Optional.of(managed.id()), perReplica.times(replicas))
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

    @Transactional
    public Optional<Started> delete(Workload workload) {
        Workload managed = lockIdle(workload);
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
        Workload managed = em.find(Workload.class, workload.id(), LockModeType.PESSIMISTIC_WRITE);
        operations.activeOn(managed.id()).ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS,
                    "operation " + op.id() + " (" + op.kind() + ") is still running on workload " + managed.id());
        });
        return managed;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Workload> find(UUID id) {
        return Optional.ofNullable(em.find(Workload.class, id));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Workload> list(Optional<UUID> tenantId, Optional<UUID> projectId, Optional<Workload.Status> status, PageRequest page) {
        StringBuilder jpql = new StringBuilder("select w from Workload w where 1 = 1");
        Map<String, Object> p = new LinkedHashMap<>();
        tenantId.ifPresent(v -> { jpql.append(" and w.tenantId = :tenant"); p.put("tenant", v); });
        projectId.ifPresent(v -> { jpql.append(" and w.projectId = :project"); p.put("project", v); });
        status.ifPresent(v -> { jpql.append(" and w.status = :status"); p.put("status", v); });
        page.after().ifPresent(c -> {
            jpql.append(" and (w.createdAt > :at or (w.createdAt = :at and w.id > :id))");
            p.put("at", c.createdAt());
            p.put("id", c.id());
        });
        jpql.append(" order by w.createdAt, w.id");
        var query = em.createQuery(jpql.toString(), Workload.class).setMaxResults(page.limit() + 1);
        p.forEach(query::setParameter);
        return query.getResultList();
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
        return new QuotaAmounts(cpu, gib, 0, workloads, 0);
    }

    private static QuotaAmounts minus(QuotaAmounts a, QuotaAmounts b) {
        return new QuotaAmounts(Math.max(0, a.vcpu() - b.vcpu()), Math.max(0, a.memoryGib() - b.memoryGib()), 0, 0, 0);
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
