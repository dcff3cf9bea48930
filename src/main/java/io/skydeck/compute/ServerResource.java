package io.skydeck.compute;

import io.skydeck.capacity.PlacementRefused;
import io.skydeck.capacity.PlacementService;
import io.skydeck.capacity.Placements;
import io.skydeck.compute.ComputeViews.Accepted;
import io.skydeck.compute.ComputeViews.CreateServer;
import io.skydeck.compute.ComputeViews.ServerAction;
import io.skydeck.compute.ComputeViews.ServerList;
import io.skydeck.compute.ComputeViews.ServerView;
import io.skydeck.operations.OperationResource.OperationView;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.net.URI;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code /v1/servers}: virtual machines. Changes answer 202 with the operation to poll at
 * {@code /v1/operations/{id}}.
 */
@Path("/v1/servers")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class ServerResource {

    @Inject
    ServerService servers;

    @Inject
    TenantService tenants;


    @Inject
    PlacementService placement;

    @Inject
    Placements placements;

    @Inject
    LifecycleEvents events;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @Inject
    ServerPages pages;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateServer request) {
        TenantService.WithProject owner = tenants.actingFor(caller, request.tenantId(), request.projectId());
        Tenant tenant = owner.tenant();
        Project project = owner.project();
        Optional<PlacementTarget> override = Optional.ofNullable(request.target()).map(t -> {
            if (caller.isTenant()) {
                throw new ProblemException(ProblemType.FORBIDDEN, "only a scheduler or an admin may pin a placement");
            }
            return placement.target(t.provider(), t.region(), t.zone(), t.host());
        });
        // The ledger re-checks the engine's choice at the end of the create's transaction; when another
        // replica took the room first, the create is rolled back and made again (key and all).
        return PlacementRefused.retrying(() -> idempotency.executeClaimingAtCommit(key, "POST /v1/servers", request, () -> {
            ServerService.Started started = servers.create(tenant, project, request, override);
            return accepted(started);
        }));
    }

    /**
     * {@code GET /v1/servers}. Runs on the event loop: a page of one tenant's servers that this
     * replica kept and knows to be current ({@link ServerPages}) is answered from memory; every
     * other page is read on a worker thread.
     */
    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    @APIResponse(responseCode = "200", description = "a page of servers",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ServerList.class)))
    public Uni<Response> list(@QueryParam("tenantId") String tenantParam, @QueryParam("projectId") String projectParam,
                              @QueryParam("status") String status, @QueryParam("name") String name,
                              @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        Optional<UUID> project = QueryParams.uuid("projectId", projectParam);
        Optional<ServerStatus> inStatus = QueryParams.enumValue("status", status, ServerStatus.class);
        if (tenant.isEmpty()) {
            return onWorker(() -> pages.write(Page.from(servers.list(tenant, project, inStatus, Optional.ofNullable(name), page),
                    page.limit(), ServerService::position, Function.identity())));
        }
        ServerPages.Key key = new ServerPages.Key(tenant.get(), project, inStatus, Optional.ofNullable(name),
                Optional.ofNullable(cursor), page.limit());
        Optional<byte[]> kept = pages.kept(key);
        if (kept.isPresent()) {
            return Uni.createFrom().item(json(kept.get()));
        }
        return pages.readToKeep(key, page)
                .map(read -> Uni.createFrom().completionStage(read).map(ServerResource::json))
                .orElseGet(() -> onWorker(() -> pages.read(key, page)));
    }

    private static Uni<Response> onWorker(Supplier<byte[]> body) {
        return Uni.createFrom().item(() -> json(body.get())).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static Response json(byte[] body) {
        return Response.ok(body, MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Response get(@PathParam("id") UUID id) {
        Server server = visible(id);
        return Response.ok(ServerView.of(server)).tag(String.valueOf(server.version())).build();
    }

    @GET
    @Path("/{id}/placement")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public String placement(@PathParam("id") UUID id) {
        Server server = visible(id);
        return placements.explanation(server.id()).orElseThrow(() -> ProblemException.notFound("placement of server", id));
    }

    @GET
    @Path("/{id}/events")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.FINANCE})
    public Page<LifecycleEvents.Event> events(@PathParam("id") UUID id, @QueryParam("cursor") String cursor,
                                              @QueryParam("limit") Integer limit) {
        return Page.sorted(events.of(visible(id).id()), cursor, limit, LifecycleEvents::position, e -> e);
    }

    @POST
    @Path("/{id}/actions")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response act(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                        @NotNull @Valid ServerAction request) {
        Server server = visible(id);
        Tenant tenant = tenants.find(server.tenantId()).orElseThrow();
        // A resize's new price is read from the provider before any transaction opens.
        Optional<java.math.BigDecimal> price = "resize".equals(request.action())
                ? servers.listPrice(server, request.flavor()) : Optional.empty();
        return idempotency.execute(key, "POST /v1/servers/" + id + "/actions", request,
                () -> accepted(servers.act(tenant, server, request.action(), request.flavor(), price)));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response delete(@PathParam("id") UUID id) {
        Server server = visible(id);
        return servers.delete(server).map(this::accepted).orElseGet(() -> Response.noContent().build());
    }

    private Response accepted(ServerService.Started started) {
        return Response.accepted(new Accepted<>(ServerView.of(started.server()), OperationView.of(started.operation())))
                .location(URI.create("/v1/operations/" + started.operation().id()))
                .build();
    }

    private Server visible(UUID id) {
        return servers.find(id)
                .filter(s -> caller.mayAccessTenant(s.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("server", id));
    }
}
