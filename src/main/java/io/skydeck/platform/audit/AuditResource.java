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
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
    AuditLog audit;

    @Inject
    Caller caller;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Page<AuditView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("action") String action,
                                @QueryParam("targetType") String targetType, @QueryParam("targetId") String targetId,
                                @QueryParam("requestId") String requestId,
                                @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        List<AuditEntry> entries = audit.list(caller.listFilter(QueryParams.uuid("tenantId", tenantParam)),
                Optional.ofNullable(action), Optional.ofNullable(targetType), Optional.ofNullable(targetId),
                Optional.ofNullable(requestId), page);
        return Page.from(entries, page.limit(), e -> new Cursor(e.occurredAt(), e.id()), AuditView::of);
    }

}
