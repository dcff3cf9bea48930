package io.skydeck.provisioning;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.skydeck.capacity.Placement;
import io.skydeck.operations.OperationKind;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * What one kind of resource brings to {@link Provisioning}: its quota, how it is placed, how its
 * row is built, and what its first event and audit entry say. Everything else — the order of
 * the steps, the transaction, the decision's record, the operation — is the pipeline's, the same
 * for every kind.
 *
 * @param <R> the kind's entity
 */
public interface NewResource<R> {

    /** The kind as operations, events, decisions and the audit log name it: {@code server}, {@code workload}. */
    String type();

    /** The operation that makes it in the provider. */
    OperationKind createKind();

    /** The new resource's id; a kind whose request refers to itself (a rule naming its own group) chose it already. */
    default UUID newId() {
        return UUID.randomUUID();
    }

    /** What the quota reservation is for, as {@code GET /v1/tenants/{id}/quota/reservations} shows it. */
    String purpose();

    QuotaAmounts quota();

    /** Places the resource inside the pipeline's transaction (a kind may leave the ledger's word to {@link #admitPlacement}). */
    Placement place(UUID resourceId);

    /**
     * Makes the placement binding where {@link #place} only proposed it (a server's host): the
     * ledger's rows are locked from here to the commit. The pipeline calls it after every row is
     * written, just before the quota's counters, so that the creates queued on one host wait for a
     * commit, not for a whole pipeline. The ledger's check may be queued to go with the quota's
     * ({@code Appends#check}), and refuse when it goes. Nothing to do by default: a kind whose
     * {@link #place} admitted already, or that takes no capacity.
     */
    default void admitPlacement(Placement placement) {
    }

    /** The new row, not yet persisted; {@code reservation} is null for a kind whose {@link #quota()} is zero. */
    R build(UUID id, QuotaReservation reservation, Placement placement, Instant now);

    /**
     * For {@link Provisioning#admitUnlessPresent}: inserts the row unless a unique rule of its kind
     * finds its like already there (waiting for a transaction inserting that one to end), and says
     * whether it did. Only a kind admitted that way implements it.
     */
    default boolean insertIfAbsent(R resource) {
        throw new UnsupportedOperationException(type() + " is not admitted unless present");
    }

    /** Where rows of this kind are kept. */
    PanacheRepositoryBase<R, UUID> repository();

    /** The create operation's parameters (JSON, as {@code OperationParams} writes them): what its submit needs beyond the row; none by default. */
    default String operationParams() {
        return null;
    }

    /** Its size for metering, as the REQUESTED event records it. */
    LifecycleEvents.Shape shape(R resource);

    /** What the audit entry {@code <type>.requested} says besides the id. */
    Map<String, Object> auditDetails(R resource, Placement placement);
}
