package io.skydeck.release;

import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.release.ReleaseViews.ApplicationView;
import io.skydeck.release.ReleaseViews.CreateApplication;
import io.skydeck.release.ReleaseViews.CreateGroup;
import io.skydeck.release.ReleaseViews.CreateVersion;
import io.skydeck.release.ReleaseViews.GroupView;
import io.skydeck.release.ReleaseViews.VersionView;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
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

import java.net.URI;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/applications}: what a tenant releases, the groups it runs on and its versions. */
@Path("/v1/applications")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class ApplicationResource {

    @Inject
    ApplicationService applications;

    @Inject
    TenantService tenants;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateApplication request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        return idempotency.execute(key, "POST /v1/applications", request, () -> {
            Application a = applications.create(tenant, request);
            return Response.created(URI.create("/v1/applications/" + a.id())).entity(ApplicationView.of(a)).build();
        });
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<ApplicationView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("cursor") String cursor,
                                      @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(applications.list(tenant, page), page.limit(), a -> new Cursor(a.createdAt(), a.id()), ApplicationView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public ApplicationView get(@PathParam("id") UUID id) {
        return ApplicationView.of(visible(id));
    }

    @POST
    @Path("/{id}/groups")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response createGroup(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                                @NotNull @Valid CreateGroup request) {
        Application app = visible(id);
        return idempotency.execute(key, "POST /v1/applications/" + id + "/groups", request, () -> {
            ReleaseGroup g = applications.createGroup(app, request);
            return Response.created(URI.create("/v1/applications/" + id + "/groups/" + g.id()))
                    .entity(GroupView.of(g, applications.serverIds(g.id()))).build();
        });
    }

    @GET
    @Path("/{id}/groups")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<GroupView> groups(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return Page.sorted(applications.groups(visible(id).id()), cursor, limit, ReleaseGroup::name,
                g -> GroupView.of(g, applications.serverIds(g.id())));
    }

    @GET
    @Path("/{id}/groups/{groupId}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public GroupView group(@PathParam("id") UUID id, @PathParam("groupId") UUID groupId) {
        Application app = visible(id);
        ReleaseGroup g = applications.group(groupId).filter(found -> found.applicationId().equals(app.id()))
                .orElseThrow(() -> ProblemException.notFound("release group", groupId));
        return GroupView.of(g, applications.serverIds(g.id()));
    }

    @POST
    @Path("/{id}/versions")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response createVersion(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                                  @NotNull @Valid CreateVersion request) {
        Application app = visible(id);
        return idempotency.execute(key, "POST /v1/applications/" + id + "/versions", request, () -> {
            ApplicationVersion v = applications.createVersion(app, request);
            return Response.created(URI.create("/v1/applications/" + id + "/versions/" + v.id())).entity(VersionView.of(v)).build();
        });
    }

    @GET
    @Path("/{id}/versions")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<VersionView> versions(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return Page.sorted(applications.versions(visible(id).id()), cursor, limit, ApplicationVersion::name, VersionView::of);
    }

    private Application visible(UUID id) {
        return applications.find(id).filter(a -> caller.mayAccessTenant(a.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("application", id));
    }
}
