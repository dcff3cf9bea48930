package io.skydeck.operations;

import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
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
    EntityManager em;

    @Inject
    Clock clock;

    @Transactional(Transactional.TxType.MANDATORY)
    public Operation start(UUID tenantId, OperationKind kind, String targetType, UUID targetId, String provider, String params) {
        Operation op = new Operation(UUID.randomUUID(), tenantId, kind, targetType, targetId, provider, params,
                clock.instant().truncatedTo(ChronoUnit.MICROS));
        em.persist(op);
        return op;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Operation> find(UUID id) {
        return Optional.ofNullable(em.find(Operation.class, id));
    }

    /** Whether something is already being done to {@code targetId}: one operation at a time per resource. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Operation> activeOn(UUID targetId) {
        return em.createQuery("select o from Operation o where o.targetId = :target and o.state in :states order by o.createdAt",
                        Operation.class)
                .setParameter("target", targetId)
                .setParameter("states", List.of(Operation.State.PENDING, Operation.State.RUNNING))
                .setMaxResults(1).getResultStream().findFirst();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Operation> list(Optional<UUID> tenantId, Optional<UUID> targetId, Optional<Operation.State> state, PageRequest page) {
        StringBuilder jpql = new StringBuilder("select o from Operation o where 1 = 1");
        tenantId.ifPresent(t -> jpql.append(" and o.tenantId = :tenant"));
        targetId.ifPresent(t -> jpql.append(" and o.targetId = :target"));
        state.ifPresent(s -> jpql.append(" and o.state = :state"));
        page.after().ifPresent(c -> jpql.append(" and (o.createdAt > :at or (o.createdAt = :at and o.id > :id))"));
        jpql.append(" order by o.createdAt, o.id");
        var query = em.createQuery(jpql.toString(), Operation.class).setMaxResults(page.limit() + 1);
        tenantId.ifPresent(t -> query.setParameter("tenant", t));
        targetId.ifPresent(t -> query.setParameter("target", t));
        state.ifPresent(s -> query.setParameter("state", s));
        page.after().ifPresent(c -> query.setParameter("at", c.createdAt()).setParameter("id", c.id()));
        return query.getResultList();
    }

    public static Cursor position(Operation o) {
        return new Cursor(o.createdAt(), o.id());
    }
}
