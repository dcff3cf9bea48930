package io.skydeck.operations;

import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/operations}: poll what a 202 started, follow it, or cancel it. */
@Path("/v1/operations")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class OperationResource {

    public record OperationView(UUID id, UUID tenantId, OperationKind kind, String targetType, UUID targetId,
                                Operation.State state, String provider, int attempts, Error error,
                                Instant createdAt, Instant updatedAt, Instant finishedAt) {

        /** Why it failed (or, while retrying, the last transient failure). */
        public record Error(String type, String detail) {
        }

        public static OperationView of(Operation o) {
            Error error = o.errorType() == null ? null : new Error("urn:skydeck:problem:" + o.errorType(), o.errorDetail());
            return new OperationView(o.id(), o.tenantId(), o.kind(), o.targetType(), o.targetId(), o.state(), o.provider(),
                    o.attempts(), error, o.createdAt(), o.updatedAt(), o.finishedAt());
        }
    }

    @Inject
    OperationService operations;

    @Inject
    Caller caller;

    @Inject
    OperationStream stream;

    @Inject
    Cancellations cancellations;

    @Inject
    IdempotentRequests idempotency;

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT, Roles.SCHEDULER})
    public OperationView get(@PathParam("id") UUID id) {
        return operations.find(id)
                .filter(o -> caller.mayAccessTenant(o.tenantId()))
                .map(OperationView::of)
                .orElseThrow(() -> ProblemException.notFound("operation", id));
    }

    /** Server-sent events: the operation now, then on every change, until it finishes. */
    @GET
    @Path("/{id}/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ADMIN, Roles.TENANT, Roles.SCHEDULER})
    @Blocking // the access check reads the database before the stream starts
    public Multi<OperationView> stream(@PathParam("id") UUID id) {
        get(id); // the same 404 for a missing operation or another tenant's
        return stream.follow(id);
    }

    /**
     * Stops an operation that can be stopped, compensating as a failure would; answers it, CANCELLED.
     * A finished operation, a delete, or a workload's create: 409 operation-not-cancellable.
     */
    @POST
    @Path("/{id}/cancel")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Response cancel(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key) {
        get(id); // the same 404 for a missing operation or another tenant's
        return idempotency.execute(key, "POST /v1/operations/" + id + "/cancel", Map.of(),
                () -> Response.ok(OperationView.of(cancellations.cancel(id))).build());
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.TENANT, Roles.SCHEDULER})
    public Page<OperationView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("targetId") String targetParam,
                                    @QueryParam("state") String state,
                                    @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(operations.list(tenant, QueryParams.uuid("targetId", targetParam),
                        QueryParams.enumValue("state", state, Operation.State.class), page),
                page.limit(), OperationService::position, OperationView::of);
    }
}
