package io.skydeck.capacity;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.platform.appends.Appends;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Placement for every kind of resource, in one place. Each kind is proposed by its own scorer —
 * servers by the host engine ({@link PlacementService}), workloads by the container pools
 * ({@link ContainerPools}) — and admitted by the ledger in PostgreSQL inside the caller's
 * transaction; the answer is a {@link Placement} either way, and every decision is recorded and
 * explained through the same table.
 *
 * <p>What asks a provider ({@link #readPools}) runs before any transaction; what locks ledger
 * rows ({@link #admitServer}, {@link #workload}) runs only inside one.
 */
@ApplicationScoped
public class Placements {

    /** How many of a workload plan's regions the ledger is asked about before the request is refused. */
    static final int POOL_ATTEMPTS = 3;

    @Inject
    PlacementService hosts;

    @Inject
    ContainerPools pools;

    @Inject
    PoolLedger poolLedger;

    @Inject
    Appends appends;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    /**
     * Places a server on a host, as the engine proposes; unplaceable → 409 naming each filter's
     * rejections. Not binding until {@link #admitServer}: the caller does that as late in its
     * transaction as it can.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Placement server(PlacementRequest request, Optional<PlacementTarget> override) {
        PlacementDecision decision = hosts.propose(request, override);
        String decidedBy = override.isPresent() ? "override" : "engine";
        if (decision instanceof PlacementDecision.Unplaceable unplaceable) {
            List<Problem.FieldError> filters = unplaceable.rejectedBy().entrySet().stream()
                    .map(e -> new Problem.FieldError("placement." + e.getKey(), "rejected " + e.getValue() + " of "
                            + unplaceable.hostsConsidered() + " hosts"))
                    .toList();
            throw new ProblemException(ProblemType.NO_CAPACITY, unplaceable.reason(), filters, Map.of());
        }
        PlacementDecision.Placed placed = (PlacementDecision.Placed) decision;
        PlacementTarget target = placed.target();
        return new Placement(target.provider(), target.region(), Optional.of(target), placed.hourlyPrice(), decidedBy,
                hosts.explain(decision, decidedBy));
    }

    /**
     * Makes a server's placement binding: the ledger locks and re-checks the host (and the affinity
     * group) until the transaction ends. The host's check is queued to go with the caller's next
     * round trip ({@link PlacementService#admit}); a refusal throws {@link PlacementRefused}, now or
     * when it goes, the transaction rolls back, and the create may be made again ({@link
     * PlacementRefused#retrying}) unless the placement was {@code pinned} by an override.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void admitServer(PlacementRequest request, Placement placement, boolean pinned) {
        hosts.admit(request, placement.target(), pinned);
    }

    /**
     * Reads the pools that could run {@code replicas} of {@code perReplica} and records what they
     * reported in the ledger, in a short transaction of its own. Asks providers: never inside a
     * transaction.
     */
    @Transactional(Transactional.TxType.NEVER)
    public ContainerPools.Decision readPools(ContainerResources perReplica, int replicas, Optional<String> providerKind,
                                             Optional<String> region, Set<String> allowedProviders) {
        ContainerPools.Decision decision = pools.choose(perReplica, replicas, providerKind, region, allowedProviders);
        poolLedger.record(decision.ranked().stream()
                .map(c -> new PoolLedger.PoolReading(c.provider(), c.region(), c.allocatable(), c.free())).toList());
        return decision;
    }

    /** Reads one region's pools before a workload grows there (provider calls: never in a transaction). */
    @Transactional(Transactional.TxType.NEVER)
    public void readPool(String provider, String region) {
        pools.reading(provider, region).ifPresent(r -> poolLedger.record(List.of(r)));
    }

    /**
     * Places a workload: the first of the pools' ranked regions that the tenant may (still) use —
     * {@code allowedProviders} as its row says now — and that the ledger admits (its region row
     * locked, every replica's workloads summed). Unplaceable → 409.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Placement workload(ContainerPools.Decision decision, ContainerResources total, Set<String> allowedProviders) {
        if (decision.choice().isEmpty()) {
            List<Problem.FieldError> filters = decision.rejectedBy().entrySet().stream()
                    .map(e -> new Problem.FieldError("placement." + e.getKey(), "rejected " + e.getValue() + " of "
                            + decision.regionsConsidered() + " regions"))
                    .toList();
            throw new ProblemException(ProblemType.NO_CAPACITY, decision.reason(), filters, Map.of());
        }
        String refusal = "provider " + decision.choice().get().provider() + " is not on the tenant's allow-list";
        int tried = 0;
        for (ContainerPools.Choice candidate : decision.ranked()) {
            if (tried == POOL_ATTEMPTS) {
                break;
            }
            if (!allowedProviders.isEmpty() && !allowedProviders.contains(candidate.provider())) {
                continue;
            }
            tried++;
            Optional<String> refused = poolLedger.admit(candidate.provider(), candidate.region(), Optional.empty(), total);
            if (refused.isEmpty()) {
                return new Placement(candidate.provider(), candidate.region(), Optional.empty(), null, "container-pools",
                        poolExplanation(decision, candidate));
            }
            refusal = refused.get();
        }
        throw new ProblemException(ProblemType.NO_CAPACITY, refusal, List.of(), Map.of());
    }

    /** Holds a running workload's larger size in its region, or says why the region cannot. */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<String> growWorkload(String provider, String region, UUID workloadId, ContainerResources total) {
        return poolLedger.admit(provider, region, Optional.of(workloadId), total);
    }

    /** Stores a decision with its reasons (with the transaction's other appended rows); one row per resource, whatever its kind. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void record(UUID resourceId, UUID tenantId, Placement placement, Instant at) {
        appends.add("INSERT INTO placement_decision (resource_id, tenant_id, decided_by, explanation, decided_at) VALUES (?, ?, ?, ?, ?)",
                resourceId, tenantId, placement.decidedBy(), placement.explanation(), at);
    }

    /** The recorded decision's explanation, as {@code GET /v1/servers/{id}/placement} and {@code /v1/workloads/{id}/placement} serve it. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<String> explanation(UUID resourceId) {
        return em.createNativeQuery("SELECT explanation FROM placement_decision WHERE resource_id = ?1", String.class)
                .setParameter(1, resourceId).getResultStream().findFirst().map(String.class::cast);
    }

    private String poolExplanation(ContainerPools.Decision decision, ContainerPools.Choice choice) {
        Map<String, Object> explanation = new LinkedHashMap<>();
        explanation.put("outcome", "placed");
        explanation.put("decidedBy", "container-pools");
        explanation.put("target", Map.of("provider", choice.provider(), "region", choice.region()));
        explanation.put("freeCpuMillisAfter", choice.freeCpuMillisAfter());
        explanation.put("regionsConsidered", decision.regionsConsidered());
        explanation.put("rejectedBy", decision.rejectedBy());
        try {
            return json.writeValueAsString(explanation);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a placement explanation", e);
        }
    }
}
