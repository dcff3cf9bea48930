package io.skydeck.tenancy;

import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.web.ETags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Projects inside a tenant. */
@ApplicationScoped
public class ProjectService {

    @Inject
    ProjectRepository projectRepository;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Transactional
    public Project create(Tenant tenant, String name, String description) {
        boolean taken = projectRepository.count("tenantId = ?1 and name = ?2", tenant.id(), name) > 0;
        if (taken) {
            throw new ProblemException(ProblemType.CONFLICT,
                    "tenant '" + tenant.name() + "' already has a project named '" + name + "'");
        }
        Project project = new Project(UUID.randomUUID(), tenant.id(), name, description, now());
        projectRepository.persistAndFlush(project);
        audit.record("project.created", "project", project.id(), tenant.id(), Map.of("name", name));
        return project;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Project> find(UUID id) {
        return projectRepository.findByIdOptional(id);
    }

    /** @param tenantId empty lists every tenant's projects (operators only) */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Project> list(Optional<UUID> tenantId, Optional<String> name, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("name", name).page(projectRepository, page);
    }

    @Transactional
    public Project update(Project project, String ifMatch, String description) {
        Project managed = projectRepository.findById(project.id());
        ETags.requireMatch(ifMatch, managed.version());
        if (!java.util.Objects.equals(description, managed.description())) {
            managed.describe(description, now());
            projectRepository.flush();
            audit.record("project.updated", "project", managed.id(), managed.tenantId(),
                    Map.of("description", description == null ? "" : description));
        }
        return managed;
    }

    @Transactional
    public void delete(Project project, String ifMatch) {
        Project managed = projectRepository.findById(project.id());
        if (managed == null) {
            return;
        }
        ETags.requireMatch(ifMatch, managed.version());
        projectRepository.delete(managed);
        audit.record("project.deleted", "project", managed.id(), managed.tenantId(), Map.of("name", managed.name()));
    }

    public static Cursor position(Project p) {
        return new Cursor(p.createdAt(), p.id());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
