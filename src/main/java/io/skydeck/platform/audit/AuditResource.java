package io.skydeck.platform.audit;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** {@code GET /v1/audit}: every state change for admins, a tenant's own for a tenant. */
@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class AuditResource {

    public record AuditView(UUID id, Instant occurredAt, String actor, String actorRole, UUID tenantId, String action,
                            String targetType, String targetId, String requestId,
                            @JsonRawValue String details) {
        static AuditView of(AuditEntry e) {
            return new AuditView(e.id(), e.occurredAt(), e.actor(), e.actorRole(), e.tenantId(), e.action(),
                    e.targetType(), e.targetId(), e.requestId(), e.details());
        }
    }

    @Inject
    EntityManager em;

    @Inject
    Caller caller;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    @Transactional(Transactional.TxType.SUPPORTS)
    public Page<AuditView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("action") String action,
                                @QueryParam("targetType") String targetType, @QueryParam("targetId") String targetId,
                                @QueryParam("requestId") String requestId,
                                @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        StringBuilder jpql = new StringBuilder("select e from AuditEntry e where 1 = 1");
        Map<String, Object> params = new HashMap<>();
        filter(jpql, params, "tenantId", caller.listFilter(QueryParams.uuid("tenantId", tenantParam)).orElse(null));
        filter(jpql, params, "action", action);
        filter(jpql, params, "targetType", targetType);
        filter(jpql, params, "targetId", targetId);
        filter(jpql, params, "requestId", requestId);
        page.after().ifPresent(c -> {
            jpql.append(" and (e.occurredAt > :at or (e.occurredAt = :at and e.id > :id))");
            params.put("at", c.createdAt());
            params.put("id", c.id());
        });
        jpql.append(" order by e.occurredAt, e.id");
        var query = em.createQuery(jpql.toString(), AuditEntry.class).setMaxResults(page.limit() + 1);
        params.forEach(query::setParameter);
        return Page.from(query.getResultList(), page.limit(), e -> new Cursor(e.occurredAt(), e.id()), AuditView::of);
    }

    private static void filter(StringBuilder jpql, Map<String, Object> params, String field, Object value) {
        if (value != null) {
            jpql.append(" and e.").append(field).append(" = :").append(field);
            params.put(field, value);
        }
    }
}
