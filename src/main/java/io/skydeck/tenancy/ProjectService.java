package io.skydeck.tenancy;

import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.web.ETags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Projects inside a tenant. */
@ApplicationScoped
public class ProjectService {

    @Inject
    EntityManager em;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Transactional
    public Project create(Tenant tenant, String name, String description) {
        boolean taken = !em.createQuery("select p.id from Project p where p.tenantId = :tenant and p.name = :name")
                .setParameter("tenant", tenant.id()).setParameter("name", name)
                .setMaxResults(1).getResultList().isEmpty();
        if (taken) {
            throw new ProblemException(ProblemType.CONFLICT,
                    "tenant '" + tenant.name() + "' already has a project named '" + name + "'");
        }
        Project project = new Project(UUID.randomUUID(), tenant.id(), name, description, now());
        em.persist(project);
        em.flush();
        audit.record("project.created", "project", project.id(), tenant.id(), Map.of("name", name));
        return project;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Project> find(UUID id) {
        return Optional.ofNullable(em.find(Project.class, id));
    }

    /** @param tenantId empty lists every tenant's projects (operators only) */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Project> list(Optional<UUID> tenantId, Optional<String> name, PageRequest page) {
        StringBuilder jpql = new StringBuilder("select p from Project p where 1 = 1");
        Map<String, Object> params = new HashMap<>();
        tenantId.ifPresent(t -> {
            jpql.append(" and p.tenantId = :tenant");
            params.put("tenant", t);
        });
        name.ifPresent(n -> {
            jpql.append(" and p.name = :name");
            params.put("name", n);
        });
        page.after().ifPresent(c -> {
            jpql.append(" and (p.createdAt > :at or (p.createdAt = :at and p.id > :id))");
            params.put("at", c.createdAt());
            params.put("id", c.id());
        });
        jpql.append(" order by p.createdAt, p.id");
        var query = em.createQuery(jpql.toString(), Project.class).setMaxResults(page.limit() + 1);
        params.forEach(query::setParameter);
        return query.getResultList();
    }

    @Transactional
    public Project update(Project project, String ifMatch, String description) {
        Project managed = em.find(Project.class, project.id());
        ETags.requireMatch(ifMatch, managed.version());
        if (!java.util.Objects.equals(description, managed.description())) {
            managed.describe(description, now());
            em.flush();
            audit.record("project.updated", "project", managed.id(), managed.tenantId(),
                    Map.of("description", description == null ? "" : description));
        }
        return managed;
    }

    @Transactional
    public void delete(Project project, String ifMatch) {
        Project managed = em.find(Project.class, project.id());
        if (managed == null) {
            return;
        }
        ETags.requireMatch(ifMatch, managed.version());
        em.remove(managed);
        audit.record("project.deleted", "project", managed.id(), managed.tenantId(), Map.of("name", managed.name()));
    }

    public static Cursor position(Project p) {
        return new Cursor(p.createdAt(), p.id());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
