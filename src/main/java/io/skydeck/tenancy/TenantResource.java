package io.skydeck.tenancy;

import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.tenancy.TenancyViews.CreateProject;
import io.skydeck.tenancy.TenancyViews.CreateReservation;
import io.skydeck.tenancy.TenancyViews.CreateTenant;
import io.skydeck.tenancy.TenancyViews.ProjectView;
import io.skydeck.tenancy.TenancyViews.QuotaView;
import io.skydeck.tenancy.TenancyViews.ReservationView;
import io.skydeck.tenancy.TenancyViews.TenantView;
import io.skydeck.tenancy.TenancyViews.UpdateTenant;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
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

/** {@code /v1/tenants}: tenants, their projects, quota and quota reservations. */
@Path("/v1/tenants")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class TenantResource {

    @Inject
    TenantService tenants;

    @Inject
    ProjectService projects;

    @Inject
    QuotaService quotas;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed(Roles.ADMIN)
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateTenant request) {
        return idempotency.execute(key, "POST /v1/tenants", request, () -> {
            Tenant tenant = tenants.create(request.name(), request.displayName(), Optional.ofNullable(request.quota()),
                    request.allowedProviders());
            return Response.created(URI.create("/v1/tenants/" + tenant.id()))
                    .tag(tag(tenant.version()))
                    .entity(TenantView.of(tenant)).build();
        });
    }

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.FINANCE})
    public Page<TenantView> list(@QueryParam("name") String name, @QueryParam("status") String status,
                                 @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        var statusFilter = QueryParams.enumValue("status", status, Tenant.Status.class);
        return Page.from(tenants.list(Optional.ofNullable(name), statusFilter, page), page.limit(),
                TenantService::position, TenantView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.FINANCE, Roles.TENANT})
    public Response get(@PathParam("id") UUID id) {
        Tenant tenant = visibleTenant(id);
        return Response.ok(TenantView.of(tenant)).tag(tag(tenant.version())).build();
    }

    @PATCH
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    public Response update(@PathParam("id") UUID id, @HeaderParam("If-Match") String ifMatch,
                           @NotNull @Valid UpdateTenant request) {
        Tenant tenant = tenants.update(id, ifMatch, Optional.ofNullable(request.displayName()),
                Optional.ofNullable(request.status()), Optional.ofNullable(request.allowedProviders()));
        return Response.ok(TenantView.of(tenant)).tag(tag(tenant.version())).build();
    }

    @POST
    @Path("/{id}/projects")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Response createProject(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                                  @NotNull @Valid CreateProject request) {
        Tenant tenant = visibleTenant(id);
        return idempotency.execute(key, "POST /v1/tenants/" + id + "/projects", request, () -> {
            Project project = projects.create(tenant, request.name(), request.description());
            return Response.created(URI.create("/v1/projects/" + project.id()))
                    .tag(tag(project.version())).entity(ProjectView.of(project)).build();
        });
    }

    @GET
    @Path("/{id}/quota")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT, Roles.SCHEDULER})
    public Response quota(@PathParam("id") UUID id) {
        Tenant tenant = visibleTenant(id);
        QuotaService.Usage usage = quotas.usage(tenant.id());
        return Response.ok(QuotaView.of(tenant.id(), usage)).header("ETag", usage.etag()).build();
    }

    @PUT
    @Path("/{id}/quota")
    @RolesAllowed(Roles.ADMIN)
    public Response setQuota(@PathParam("id") UUID id, @HeaderParam("If-Match") String ifMatch,
                             @NotNull @Valid QuotaAmounts limits) {
        Tenant tenant = visibleTenant(id);
        QuotaService.Usage usage = quotas.setLimits(tenant, limits, ifMatch);
        return Response.ok(QuotaView.of(tenant.id(), usage)).header("ETag", usage.etag()).build();
    }

    @POST
    @Path("/{id}/quota/reservations")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Response reserve(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                            @NotNull @Valid CreateReservation request) {
        Tenant tenant = visibleTenant(id);
        return idempotency.execute(key, "POST /v1/tenants/" + id + "/quota/reservations", request, () -> {
            QuotaReservation reservation = quotas.reserve(tenant, request.purpose(), request.amounts());
            return Response.created(URI.create("/v1/tenants/" + id + "/quota/reservations/" + reservation.id()))
                    .entity(ReservationView.of(reservation)).build();
        });
    }

    @GET
    @Path("/{id}/quota/reservations")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Page<ReservationView> reservations(@PathParam("id") UUID id, @QueryParam("state") String state,
                                              @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        Tenant tenant = visibleTenant(id);
        PageRequest page = PageRequest.of(cursor, limit);
        var stateFilter = QueryParams.enumValue("state", state, QuotaReservation.State.class);
        return Page.from(quotas.reservations(tenant.id(), stateFilter, page), page.limit(),
                QuotaService::position, ReservationView::of);
    }

    @GET
    @Path("/{id}/quota/reservations/{reservationId}")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public ReservationView reservation(@PathParam("id") UUID id, @PathParam("reservationId") UUID reservationId) {
        return ReservationView.of(visibleReservation(id, reservationId));
    }

    @DELETE
    @Path("/{id}/quota/reservations/{reservationId}")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public ReservationView release(@PathParam("id") UUID id, @PathParam("reservationId") UUID reservationId) {
        return ReservationView.of(quotas.release(visibleReservation(id, reservationId)));
    }

    private Tenant visibleTenant(UUID id) {
        caller.requireTenantAccess(id, "tenant", id);
        return tenants.find(id).orElseThrow(() -> ProblemException.notFound("tenant", id));
    }

    private QuotaReservation visibleReservation(UUID tenantId, UUID reservationId) {
        Tenant tenant = visibleTenant(tenantId);
        return quotas.findReservation(reservationId)
                .filter(r -> r.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("quota reservation", reservationId));
    }

    private static String tag(long version) {
        return String.valueOf(version);
    }
}
