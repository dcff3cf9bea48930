package io.skydeck.operations;

import io.quarkus.panache.common.Sort;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Creates and reads operations; {@link OperationRunner} moves them along. */
@ApplicationScoped
public class OperationService {

    @Inject
    OperationRepository operationRepository;

    @Inject
    Clock clock;

    @Transactional(Transactional.TxType.MANDATORY)
    public Operation start(UUID tenantId, OperationKind kind, String targetType, UUID targetId, String provider, String params) {
        Operation op = new Operation(UUID.randomUUID(), tenantId, kind, targetType, targetId, provider, params,
                clock.instant().truncatedTo(ChronoUnit.MICROS));
        operationRepository.persist(op);
        return op;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Operation> find(UUID id) {
        return operationRepository.findByIdOptional(id);
    }

    /** Whether something is already being done to {@code targetId}: one operation at a time per resource. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Operation> activeOn(UUID targetId) {
        return operationRepository.find("targetId = ?1 and state in ?2", Sort.by("createdAt"), targetId,
                List.of(Operation.State.PENDING, Operation.State.RUNNING)).firstResultOptional();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Operation> list(Optional<UUID> tenantId, Optional<UUID> targetId, Optional<Operation.State> state, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("targetId", targetId).where("state", state)
                .page(operationRepository, page);
    }

    public static Cursor position(Operation o) {
        return new Cursor(o.createdAt(), o.id());
    }
}
