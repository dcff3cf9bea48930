package io.skydeck.release;

import io.skydeck.compute.Server;
import io.skydeck.compute.ServerRepository;
import io.skydeck.compute.ServerStatus;
import io.skydeck.compute.Workload;
import io.skydeck.compute.WorkloadRepository;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.release.ReleaseViews.CreateApplication;
import io.skydeck.release.ReleaseViews.CreateGroup;
import io.skydeck.release.ReleaseViews.CreateVersion;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Applications and what hangs from them: the groups they run on and the versions they ship. */
@ApplicationScoped
public class ApplicationService {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    @Inject
    ApplicationRepository applications;

    @Inject
    ReleaseGroupRepository groups;

    @Inject
    ApplicationVersionRepository versions;

    @Inject
    ServerRepository servers;

    @Inject
    WorkloadRepository workloads;

    @Inject
    AuditLog audit;

    @Inject
    EntityManager em;

    @Inject
    Clock clock;

    @Transactional
    public Application create(Tenant tenant, CreateApplication request) {
        applications.find("tenantId = ?1 and name = ?2", tenant.id(), request.name()).firstResultOptional().ifPresent(taken -> {
            throw new ProblemException(ProblemType.CONFLICT, "the tenant already has an application named '" + request.name() + "': "
                    + taken.id(), List.of(new Problem.FieldError("name", "taken by application " + taken.id())), Map.of());
        });
        Application a = new Application(UUID.randomUUID(), tenant.id(), request.name(), now());
        applications.persist(a);
        audit.record("application.created", "application", a.id(), tenant.id(), Map.of("name", a.name()));
        return a;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Application> find(UUID id) {
        return applications.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Application> list(Optional<UUID> tenantId, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).page(applications, page);
    }

    /**
     * A group of servers (all the tenant's, live, on one provider and region — a release drives
     * one provider) or of one workload. Servers are taken in the order given: the first is the bastion.
     */
    @Transactional
    public ReleaseGroup createGroup(Application app, CreateGroup request) {
        boolean hasServers = request.serverIds() != null && !request.serverIds().isEmpty();
        if (hasServers == (request.workloadId() != null)) {
            throw ProblemException.invalid("serverIds", "give either serverIds (at least one) or workloadId");
        }
        if (request.trafficTarget() != null && request.trafficTarget().isBlank()) {
            throw ProblemException.invalid("trafficTarget", "is blank; leave it out when the group has none");
        }
        groups.find("applicationId = ?1 and name = ?2", app.id(), request.name()).firstResultOptional().ifPresent(taken -> {
            throw new ProblemException(ProblemType.CONFLICT, "the application already has a group named '" + request.name() + "'",
                    List.of(new Problem.FieldError("name", "taken by group " + taken.id())), Map.of());
        });
        ReleaseGroup group;
        if (hasServers) {
            List<Server> members = members(app.tenantId(), request.serverIds());
            group = new ReleaseGroup(UUID.randomUUID(), app.id(), app.tenantId(), request.name(), ReleaseGroup.Kind.SERVERS,
                    members.get(0).provider(), members.get(0).region(), null, request.trafficTarget(), now());
            groups.persist(group);
            groups.flush();
            for (int i = 0; i < members.size(); i++) {
                em.createNativeQuery("INSERT INTO release_group_server (group_id, position, server_id) VALUES (?1, ?2, ?3)")
                        .setParameter(1, group.id()).setParameter(2, i).setParameter(3, members.get(i).id()).executeUpdate();
            }
        } else {
            Workload w = workloads.findByIdOptional(request.workloadId())
                    .filter(found -> found.tenantId().equals(app.tenantId()) && (found.status() == Workload.Status.RUNNING || found.status() == Workload.Status.SCALING))
                    .orElseThrow(() -> ProblemException.invalid("workloadId", "the tenant has no live workload " + request.workloadId()));
            group = new ReleaseGroup(UUID.randomUUID(), app.id(), app.tenantId(), request.name(), ReleaseGroup.Kind.WORKLOAD,
                    w.provider(), w.region(), w.id(), request.trafficTarget(), now());
            groups.persist(group);
        }
        audit.record("release-group.created", "release-group", group.id(), app.tenantId(),
                Map.of("application", app.id(), "kind", group.kind(), "provider", group.provider()));
        return group;
    }

    private List<Server> members(UUID tenantId, List<UUID> ids) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<Server> members = new ArrayList<>();
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < ids.size(); i++) {
            UUID id = ids.get(i);
            String field = "serverIds[" + i + "]";
            if (id == null || !seen.add(id)) {
                errors.add(new Problem.FieldError(field, id == null ? "is null" : "names server " + id + " a second time"));
                continue;
            }
            Optional<Server> server = servers.findByIdOptional(id).filter(s -> s.tenantId().equals(tenantId));
            if (server.isEmpty() || server.get().status() != ServerStatus.ACTIVE && server.get().status() != ServerStatus.STOPPED || server.get().providerServerId() == null) {
                // Another tenant's server reads as missing, so its existence is not revealed.
                errors.add(new Problem.FieldError(field, "the tenant has no active server " + id));
                continue;
            }
            Server first = members.isEmpty() ? server.get() : members.get(0);
            if (!first.provider().equals(server.get().provider()) || !first.region().equals(server.get().region())) {
                errors.add(new Problem.FieldError(field, "server " + id + " is on " + server.get().provider() + "/" + server.get().region()
                        + ", the group's first on " + first.provider() + "/" + first.region() + ": a group is on one provider and region"));
                continue;
            }
            members.add(server.get());
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(ProblemType.VALIDATION, errors.get(0).field() + ": " + errors.get(0).message(), errors, Map.of());
        }
        return members;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<ReleaseGroup> group(UUID id) {
        return groups.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ReleaseGroup> groups(UUID applicationId) {
        return groups.list("applicationId = ?1 order by createdAt, id", applicationId);
    }

    /** The group's servers, bastion first. */
    @Transactional(Transactional.TxType.SUPPORTS)
    @SuppressWarnings("unchecked")
    public List<UUID> serverIds(UUID groupId) {
        return em.createNativeQuery("SELECT server_id FROM release_group_server WHERE group_id = ?1 ORDER BY position", UUID.class)
                .setParameter(1, groupId).getResultList();
    }

    @Transactional
    public ApplicationVersion createVersion(Application app, CreateVersion request) {
        List<Problem.FieldError> errors = new ArrayList<>();
        if (request.packageUrl() == null && request.image() == null) {
            errors.add(new Problem.FieldError("image", "give an image, a packageUrl with its sha256, or both"));
        }
        if (request.packageUrl() != null) {
            try {
                URI url = new URI(request.packageUrl());
                if (!"https".equals(url.getScheme()) && !"http".equals(url.getScheme()) || url.getHost() == null) {
                    errors.add(new Problem.FieldError("packageUrl", "is not an http(s) URL with a host"));
                }
            } catch (URISyntaxException e) {
                errors.add(new Problem.FieldError("packageUrl", "is not a URL: " + e.getReason()));
            }
            if (request.sha256() == null || !SHA256.matcher(request.sha256()).matches()) {
                errors.add(new Problem.FieldError("sha256", "a package needs its SHA-256 as 64 lower-case hex digits"));
            }
        } else if (request.sha256() != null) {
            errors.add(new Problem.FieldError("sha256", "is given without a packageUrl"));
        }
        if (request.image() != null && request.image().isBlank()) {
            errors.add(new Problem.FieldError("image", "is blank"));
        }
        if (!errors.isEmpty()) {
            throw new ProblemException(ProblemType.VALIDATION, errors.get(0).field() + ": " + errors.get(0).message(), errors, Map.of());
        }
        versions.find("applicationId = ?1 and name = ?2", app.id(), request.name()).firstResultOptional().ifPresent(taken -> {
            throw new ProblemException(ProblemType.CONFLICT, "the application already has a version named '" + request.name() + "'",
                    List.of(new Problem.FieldError("name", "taken by version " + taken.id())), Map.of());
        });
        ApplicationVersion v = new ApplicationVersion(UUID.randomUUID(), app.id(), app.tenantId(), request.name(), request.packageUrl(),
                request.sha256(), request.image(), now());
        versions.persist(v);
        audit.record("application-version.created", "application-version", v.id(), app.tenantId(),
                Map.of("application", app.id(), "name", v.name()));
        return v;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<ApplicationVersion> version(UUID id) {
        return versions.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ApplicationVersion> versions(UUID applicationId) {
        return versions.list("applicationId = ?1 order by createdAt, id", applicationId);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
