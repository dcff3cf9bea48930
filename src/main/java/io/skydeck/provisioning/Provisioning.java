package io.skydeck.provisioning;

import io.skydeck.capacity.Placement;
import io.skydeck.capacity.Placements;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.appends.Appends;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.QuotaService;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * The one way a new resource of any kind comes to exist: placement → quota → the row → the
 * decision's record → the create operation → the REQUESTED event → the audit entry, all in the
 * caller's transaction, so a refusal at any step leaves nothing behind.
 *
 * <p>The order is also the lock order, and the shared rows are locked last, because everything
 * that needs one queues on it until the holder commits: the ledger's rows (affinity group, then a
 * server's host, {@link NewResource#admitPlacement}; a workload's pool region is still locked when
 * it is placed), then the tenant's quota rows, which every create of a tenant needs. The engine's
 * proposal is held in this replica's memory from the start, so this replica's concurrent creates
 * do not choose the same room; the ledger re-checks it against every replica's commits at the end,
 * and a refusal there rolls the whole create back for its caller to make again. The ledger's and
 * the quota's checks refuse inside PostgreSQL ({@link Appends#check}), so in a transaction that an
 * API request owns ({@link Appends#transaction}) they go in its last round trip, with the stored
 * response and the COMMIT: the host's and the tenant's rows are locked for the end of one round
 * trip. The reservation's row is written before the resource's (which refers to it), but the
 * tenant's counters move only after every other row is written ({@link QuotaService#hold}, then
 * {@link QuotaService#chargeAtEnd} as the last statement of the pipeline).
 * Resize and scale take them in the same order, so no two requests wait on each other crosswise.
 * A change to a resource with an operation under way (a cancel, a delete that supersedes it) locks
 * that operation's row and then the resource's before any of these, as the runner does. Nothing
 * here calls a provider: what a placement needs from one was read before the transaction began.
 */
@ApplicationScoped
public class Provisioning {

    /** The new resource and the operation that builds it. */
    public record Admitted<R>(R resource, Operation operation) {
    }

    @Inject
    QuotaService quotas;

    @Inject
    Placements placements;

    @Inject
    OperationService operations;

    @Inject
    LifecycleEvents events;

    @Inject
    AuditLog audit;

    @Inject
    Appends appends;

    @Inject
    Clock clock;

    @Transactional(Transactional.TxType.MANDATORY)
    public <R> Admitted<R> admit(Tenant tenant, NewResource<R> request) {
        return admit(tenant, request, false).orElseThrow();
    }

    /**
     * As {@link #admit}, for a kind of which another transaction may be making the same one at once
     * (a tenant's default network): the row goes in with {@link NewResource#insertIfAbsent}, and
     * when another's is there already nothing else is written and the answer is empty. Only for a
     * kind whose {@link NewResource#quota()} is zero.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public <R> Optional<Admitted<R>> admitUnlessPresent(Tenant tenant, NewResource<R> request) {
        return admit(tenant, request, true);
    }

    private <R> Optional<Admitted<R>> admit(Tenant tenant, NewResource<R> request, boolean unlessPresent) {
        if (unlessPresent && !request.quota().isZero()) {
            // The row that may not go in comes after the reservation's: a lost race would leave a reservation behind.
            throw new IllegalArgumentException("admitUnlessPresent is for kinds that no quota limits; " + request.type() + " is limited");
        }
        UUID id = request.newId();
        Placement placement = request.place(id);
        // A kind that no quota limits (a security group) reserves nothing and builds without a reservation.
        // The reservation's row now (the resource's row refers to it); its counters at the end.
        QuotaReservation reservation = request.quota().isZero() ? null : quotas.hold(tenant, request.purpose(), request.quota());
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        R resource = request.build(id, reservation, placement, now);
        if (unlessPresent) {
            if (!request.insertIfAbsent(resource)) {
                return Optional.empty();
            }
        } else {
            request.repository().persist(resource);
        }
        placements.record(id, tenant.id(), placement, now);
        Operation operation = operations.start(tenant.id(), request.createKind(), request.type(), id, placement.provider(), request.operationParams());
        events.record(LifecycleEvents.idFor(id, LifecycleEvents.Kind.REQUESTED), tenant.id(), request.type(), id,
                LifecycleEvents.Kind.REQUESTED, now, placement.provider(), placement.region(), null, request.shape(resource));
        request.repository().flush();
        audit.record(request.type() + ".requested", request.type(), id, tenant.id(), request.auditDetails(resource, placement));
        // The ledger's rows from here to the commit (a refusal rolls all of this back), the quota's after them. Both checks
        // are queued behind the decision, the event and the audit entries, and all of it goes in one round trip: no lock is
        // held while the rows are sent, or across a round trip of the pipeline's.
        request.admitPlacement(placement);
        // Last: from here to the commit the tenant's quota rows are locked.
        if (reservation != null) {
            quotas.chargeAtEnd(reservation);
        }
        // Sent now, and a refusal thrown from here — unless the transaction's owner sends it with the COMMIT
        // (Appends#transaction, an API request's): then its response goes in the same round trip, before the quota's check.
        appends.settle();
        return Optional.of(new Admitted<>(resource, operation));
    }
}
