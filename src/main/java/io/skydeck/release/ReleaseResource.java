package io.skydeck.release;

import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.release.ReleaseViews.CreateRelease;
import io.skydeck.release.ReleaseViews.EventView;
import io.skydeck.release.ReleaseViews.ReleaseView;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
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

import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/releases}: start a release (202: the steps run in the background), follow it, and
 * act on it — approve, pull-in-bastion, pause, resume, continue, rollback, abort.
 */
@Path("/v1/releases")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class ReleaseResource {

    @Inject
    ReleaseService releases;

    @Inject
    ReleaseDrivers drivers;

    @Inject
    ReleaseStream stream;

    @Inject
    TenantService tenants;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull CreateRelease request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        // A workload group's pods come from the cluster: read before any transaction begins.
        Optional<ReleaseService.WorkloadPods> pods = releases.workloadPods(tenant, request);
        Response response = idempotency.execute(key, "POST /v1/releases", request, () -> {
            Release r = releases.create(tenant, request, pods);
            return Response.accepted(releases.view(r)).location(URI.create("/v1/releases/" + r.id())).build();
        });
        drivers.wake();
        return response;
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<ReleaseView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("state") String state,
                                  @QueryParam("groupId") String groupParam, @QueryParam("cursor") String cursor,
                                  @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        Optional<String> wanted = QueryParams.enumValue("state", state, ReleaseState.class).map(Enum::name);
        return Page.from(releases.list(tenant, wanted, QueryParams.uuid("groupId", groupParam), page), page.limit(),
                ReleaseService::position, releases::view);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Response get(@PathParam("id") UUID id) {
        Release r = visible(id);
        return Response.ok(releases.view(r)).tag(String.valueOf(r.version())).build();
    }

    /** The release's events, oldest first: every transition of the release and of its instances; the cursor is the last event's seq. */
    @GET
    @Path("/{id}/events")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<EventView> events(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        visible(id);
        int size = PageRequest.limitOf(limit);
        long after;
        try {
            after = cursor == null || cursor.isBlank() ? 0 : Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw ProblemException.invalid("cursor", "is not a cursor of this list");
        }
        var events = stream.events(id, after, size + 1);
        boolean more = events.size() > size;
        var shown = more ? events.subList(0, size) : events;
        return new Page<>(shown, more ? String.valueOf(shown.get(size - 1).seq()) : null);
    }

    /** Server-sent events: the release's events so far, then each new one, until the release finishes. */
    @GET
    @Path("/{id}/stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    @Blocking
    public Multi<EventView> follow(@PathParam("id") UUID id) {
        visible(id);
        return stream.follow(id);
    }

    @POST
    @Path("/{id}/{action}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response act(@PathParam("id") UUID id, @PathParam("action") String actionPath,
                        @HeaderParam(IdempotentRequests.HEADER) String key) {
        ReleaseService.Action action = ReleaseService.Action.of(actionPath)
                .orElseThrow(() -> ProblemException.notFound("release action", actionPath));
        visible(id);
        Response response = idempotency.execute(key, "POST /v1/releases/" + id + "/" + action.path(), Map.of(),
                () -> Response.ok(releases.view(releases.act(id, action))).build());
        drivers.wake();
        return response;
    }

    private Release visible(UUID id) {
        return releases.find(id).filter(r -> caller.mayAccessTenant(r.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("release", id));
    }
}
