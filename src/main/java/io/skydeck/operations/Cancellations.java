package io.skydeck.operations;

import io.quarkus.panache.common.Sort;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Ends operations before the provider does: a cancel by the operation's tenant or an admin, and a
 * delete that supersedes what still runs on its resource.
 *
 * <p>A cancel is a failure someone chose, so it takes the failure's path: the kind's handler gives
 * back what was reserved (quota, placement holds) and starts the clean-up of what a create made in
 * the provider, exactly as when the provider fails it or its deadline passes; the operation ends
 * CANCELLED. The provider is not asked to stop — Nova cannot abort a resize, nor EC2 a modify —
 * so what it still finishes afterwards is drift's to find.
 *
 * <p>It is fenced like every write. The operation's row is locked first, then its resource's row
 * (the runner's order; both before the ledger's and the quota's rows). Ending the operation clears
 * its claim token, so a replica still submitting or polling it finds the token gone: its
 * conditional write changes nothing and its heartbeat lets go.
 */
@ApplicationScoped
public class Cancellations {

    @Inject
    OperationRepository operationRepository;

    @Inject
    OperationService operations;

    @Inject
    OperationHandlers handlers;

    @Inject
    AuditLog audit;

    @Inject
    Caller caller;

    @Inject
    Clock clock;

    /** {@code POST /v1/operations/{id}/cancel}: the operation, ended CANCELLED and compensated. */
    @Transactional
    public Operation cancel(UUID id) {
        Operation op = operationRepository.findByIdOptional(id, LockModeType.PESSIMISTIC_WRITE)
                .orElseThrow(() -> ProblemException.notFound("operation", id));
        whyNotCancellable(op).ifPresent(why -> {
            throw new ProblemException(ProblemType.OPERATION_NOT_CANCELLABLE, "operation " + id + " (" + op.kind() + "): " + why);
        });
        handlers.of(op.kind()).lockTarget(op);
        end(op, "cancelled by " + caller.subject());
        recordCancelled(op);
        return op;
    }

    /**
     * The operation still running on {@code targetId}, its row locked: the first lock a delete of a
     * busy resource takes, before the resource's row.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<Operation> lockActiveOn(UUID targetId) {
        return operationRepository.find("targetId = ?1 and state in ?2", Sort.by("createdAt"), targetId,
                        List.of(Operation.State.PENDING, Operation.State.RUNNING))
                .withLock(LockModeType.PESSIMISTIC_WRITE).firstResultOptional();
    }

    /**
     * Ends {@code running} (locked by {@link #lockActiveOn}, its resource locked after it) because a
     * delete of its resource overtakes it; {@link #supersededBy} then names the delete.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void supersede(Operation running) {
        if (whyNotCancellable(running).isPresent()) {
            throw new IllegalStateException("operation " + running.id() + " (" + running.kind() + ") cannot be superseded");
        }
        end(running, "superseded by a delete");
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void supersededBy(Operation cancelled, Operation delete) {
        cancelled.supersededBy(delete.id());
        recordCancelled(cancelled);
    }

    /** Why {@code op} cannot be stopped now, if it cannot. */
    public static Optional<String> whyNotCancellable(Operation op) {
        if (op.isFinished()) {
            return Optional.of("it is already " + op.state());
        }
        return switch (op.kind()) {
            case DELETE_SERVER, DELETE_WORKLOAD, DELETE_NETWORK, DELETE_NETWORK_LINK, RELEASE_PUBLIC_IP, DELETE_SECURITY_GROUP -> Optional.of("a delete cannot be cancelled: the provider may already be "
                    + "removing the " + op.targetType() + " and nothing would bring it back; it ends by itself, or fails at its deadline");
            case CREATE_WORKLOAD -> Optional.of("a workload's create cannot be cancelled: nothing would remove what the provider "
                    + "already made of it; delete the workload once it runs");
            case ALLOCATE_PUBLIC_IP, ASSOCIATE_PUBLIC_IP, DISASSOCIATE_PUBLIC_IP -> Optional.of("a public address's operation "
                    + "cannot be cancelled: it ends within seconds; undo it once it has");
            case CREATE_SECURITY_GROUP, APPLY_SECURITY_GROUP -> Optional.of("a security group's operation cannot be cancelled: "
                    + "change its rules again once it has ended");
            case CREATE_NETWORK, CREATE_SUBNET -> Optional.of("a network's create cannot be cancelled: delete the network once "
                    + "it is available, and its subnets go with it");
            case CREATE_NETWORK_LINK -> Optional.of("a link's create cannot be cancelled: nothing would remove what the "
                    + "providers already made of it; delete the link once it is available");
            case CREATE_SERVER, START_SERVER, STOP_SERVER, RESIZE_SERVER, SCALE_WORKLOAD -> Optional.empty();
        };
    }

    private void end(Operation op, String detail) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        // A replica may be sending a create right now (a PENDING operation under claim): the clean-up
        // of what it makes must not look for it before that call can have landed.
        Optional<Instant> inFlightUntil = op.state() == Operation.State.PENDING
                ? Optional.ofNullable(op.claimedUntil()).filter(now::isBefore) : Optional.empty();
        op.cancelled(detail, now);
        handlers.of(op.kind()).failed(op, null, now);
        inFlightUntil.ifPresent(until -> operations.activeOn(op.targetId()).ifPresent(cleanUp -> cleanUp.notBefore(until)));
    }

    private void recordCancelled(Operation op) {
        audit.record("operation.cancelled", "operation", op.id(), op.tenantId(),
                Map.of("kind", op.kind().name(), "target", op.targetId(), "detail", op.errorDetail()));
    }
}
