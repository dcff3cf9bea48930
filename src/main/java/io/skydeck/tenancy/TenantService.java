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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Tenants: creation (with their quota rows), lookup, listing and updates. */
@ApplicationScoped
public class TenantService {

    @Inject
    TenantRepository tenantRepository;

    @Inject
    AuditLog audit;

    @Inject
    QuotaService quotas;

    @Inject
    Clock clock;

    @Inject
    ActingTenants acting;

    @Transactional
    public Tenant create(String name, String displayName, Optional<QuotaAmounts> limits, java.util.Set<String> allowedProviders) {
        boolean taken = tenantRepository.count("name", name) > 0;
        if (taken) {
            throw new ProblemException(ProblemType.CONFLICT, "a tenant named '" + name + "' already exists");
        }
        Tenant tenant = new Tenant(UUID.randomUUID(), name, displayName == null ? name : displayName, now());
        if (allowedProviders != null && !allowedProviders.isEmpty()) {
            tenant.allowProviders(allowedProviders, now());
        }
        tenantRepository.persistAndFlush(tenant);
        QuotaAmounts initial = quotas.initialize(tenant.id(), limits);
        audit.record("tenant.created", "tenant", tenant.id(), tenant.id(),
                Map.of("name", name, "quota", initial));
        return tenant;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Tenant> find(UUID id) {
        return tenantRepository.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Tenant> list(Optional<String> name, Optional<Tenant.Status> status, PageRequest page) {
        return KeysetQuery.byCreation().where("name", name).where("status", status).page(tenantRepository, page);
    }

    @Transactional
    public Tenant update(UUID id, String ifMatch, Optional<String> displayName, Optional<Tenant.Status> status,
                         Optional<java.util.Set<String>> allowedProviders) {
        Tenant tenant = find(id).orElseThrow(() -> ProblemException.notFound("tenant", id));
        ETags.requireMatch(ifMatch, tenant.version());
        Map<String, Object> changes = new LinkedHashMap<>();
        displayName.filter(d -> !d.equals(tenant.displayName())).ifPresent(d -> {
            tenant.rename(d, now());
            changes.put("displayName", d);
        });
        status.filter(s -> s != tenant.status()).ifPresent(s -> {
            tenant.changeStatus(s, now());
            changes.put("status", s);
        });
        allowedProviders.filter(p -> !p.equals(tenant.allowedProviders())).ifPresent(p -> {
            tenant.allowProviders(p, now());
            changes.put("allowedProviders", new java.util.TreeSet<>(p));
        });
        if (!changes.isEmpty()) {
            tenantRepository.flush();
            audit.record("tenant.updated", "tenant", id, id, changes);
        }
        return tenant;
    }

    /**
     * The tenant a request acts for: a tenant's own (naming another is "not found"), or for an
     * operator the one the request names.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Tenant actingFor(io.skydeck.platform.security.Caller caller, UUID requested) {
        UUID id = requestedBy(caller, requested);
        return acting.tenant(id, () -> find(id).orElseThrow(() -> ProblemException.notFound("tenant", id)));
    }

    /** A tenant and one of its projects. */
    public record WithProject(Tenant tenant, Project project) {
    }

    /**
     * As {@link #actingFor}, with the request's project of that tenant, read in one statement (a
     * create's first read, ahead of its transaction, kept while unchanged by {@link ActingTenants});
     * 404 for a tenant or project not there or not the tenant's.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public WithProject actingFor(io.skydeck.platform.security.Caller caller, UUID requested, UUID projectId) {
        UUID id = requestedBy(caller, requested);
        return acting.withProject(id, projectId, () -> read(id, projectId));
    }

    private WithProject read(UUID id, UUID projectId) {
        List<Object[]> found = tenantRepository.getEntityManager().createQuery(
                        "SELECT t, p FROM Tenant t LEFT JOIN Project p ON p.id = :project AND p.tenantId = t.id WHERE t.id = :tenant",
                        Object[].class)
                .setParameter("tenant", id).setParameter("project", projectId).getResultList();
        if (found.isEmpty()) {
            throw ProblemException.notFound("tenant", id);
        }
        if (found.get(0)[1] == null) {
            throw ProblemException.notFound("project", projectId);
        }
        return new WithProject((Tenant) found.get(0)[0], (Project) found.get(0)[1]);
    }

    /**
     * The id of the tenant a read-only request acts for, without reading the tenant for a tenant's
     * own token (its rows are found by that id or not at all, as a list's are); an operator's named
     * tenant is checked to exist. For hot read paths that need only the id.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public UUID idActingFor(io.skydeck.platform.security.Caller caller, UUID requested) {
        UUID id = requestedBy(caller, requested);
        if (!caller.isTenant() && find(id).isEmpty()) {
            throw ProblemException.notFound("tenant", id);
        }
        return id;
    }

    private static UUID requestedBy(io.skydeck.platform.security.Caller caller, UUID requested) {
        if (caller.isTenant()) {
            UUID own = caller.tenantId().orElseThrow(() -> ProblemException.notFound("tenant", requested));
            if (requested != null && !requested.equals(own)) {
                throw ProblemException.notFound("tenant", requested);
            }
            return own;
        }
        if (requested == null) {
            throw ProblemException.invalid("tenantId", "an operator must say which tenant this is for");
        }
        return requested;
    }

    public static Cursor position(Tenant t) {
        return new Cursor(t.createdAt(), t.id());
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

}
