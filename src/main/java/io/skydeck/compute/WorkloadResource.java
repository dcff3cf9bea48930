package io.skydeck.compute;

import io.skydeck.capacity.Placements;
import io.skydeck.compute.ComputeViews.Accepted;
import io.skydeck.compute.ComputeViews.CreateWorkload;
import io.skydeck.compute.ComputeViews.ScaleWorkload;
import io.skydeck.compute.ComputeViews.WorkloadView;
import io.skydeck.operations.OperationResource.OperationView;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
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
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.net.URI;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/workloads}: container workloads (Deployment, StatefulSet, DaemonSet). */
@Path("/v1/workloads")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class WorkloadResource {

    @Inject
    WorkloadService workloads;

    @Inject
    Placements placements;

    @Inject
    TenantService tenants;


    @Inject
    LifecycleEvents events;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateWorkload request) {
        TenantService.WithProject owner = tenants.actingFor(caller, request.tenantId(), request.projectId());
        Tenant tenant = owner.tenant();
        Project project = owner.project();
        // The pools are read before the idempotency key's transaction opens: no lock is held across provider calls.
        WorkloadService.Plan plan = workloads.plan(tenant, request);
        return idempotency.execute(key, "POST /v1/workloads", request,
                () -> accepted(workloads.create(tenant, project, request, plan)));
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Page<WorkloadView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("projectId") String projectParam,
                                   @QueryParam("status") String status,
                                   @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(workloads.list(tenant, QueryParams.uuid("projectId", projectParam),
                        QueryParams.enumValue("status", status, Workload.Status.class), page),
                page.limit(), WorkloadService::position, WorkloadView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Response get(@PathParam("id") UUID id) {
        Workload w = visible(id);
        return Response.ok(WorkloadView.of(w)).tag(String.valueOf(w.version())).build();
    }

    @GET
    @Path("/{id}/placement")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public String placement(@PathParam("id") UUID id) {
        return placements.explanation(visible(id).id()).orElseThrow(() -> ProblemException.notFound("placement of workload", id));
    }

    @GET
    @Path("/{id}/events")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.FINANCE})
    public Page<LifecycleEvents.Event> events(@PathParam("id") UUID id, @QueryParam("cursor") String cursor,
                                              @QueryParam("limit") Integer limit) {
        return Page.sorted(events.of(visible(id).id()), cursor, limit, LifecycleEvents::position, e -> e);
    }

    @POST
    @Path("/{id}/scale")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response scale(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                          @NotNull @Valid ScaleWorkload request) {
        Workload w = visible(id);
        Tenant tenant = tenants.find(w.tenantId()).orElseThrow();
        if (request.replicas() > w.replicas()) {
            workloads.readPools(w); // growth is checked against what the pools report now, read before any transaction
        }
        return idempotency.execute(key, "POST /v1/workloads/" + id + "/scale", request,
                () -> accepted(workloads.scale(tenant, w, request.replicas())));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response delete(@PathParam("id") UUID id) {
        return workloads.delete(visible(id)).map(this::accepted).orElseGet(() -> Response.noContent().build());
    }

    private Response accepted(WorkloadService.Started started) {
        return Response.accepted(new Accepted<>(WorkloadView.of(started.workload()), OperationView.of(started.operation())))
                .location(URI.create("/v1/operations/" + started.operation().id()))
                .build();
    }

    private Workload visible(UUID id) {
        return workloads.find(id)
                .filter(w -> caller.mayAccessTenant(w.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("workload", id));
    }
}
