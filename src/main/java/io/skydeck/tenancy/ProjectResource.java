package io.skydeck.tenancy;

import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.tenancy.TenancyViews.ProjectView;
import io.skydeck.tenancy.TenancyViews.UpdateProject;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.util.Optional;
import java.util.UUID;

/** {@code /v1/projects}: projects across tenants for operators, a tenant's own for a tenant. */
@Path("/v1/projects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class ProjectResource {

    @Inject
    ProjectService projects;

    @Inject
    Caller caller;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.FINANCE, Roles.TENANT})
    public Page<ProjectView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("name") String name,
                                  @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> scope = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(projects.list(scope, Optional.ofNullable(name), page), page.limit(),
                ProjectService::position, ProjectView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.FINANCE, Roles.TENANT})
    public Response get(@PathParam("id") UUID id) {
        Project project = visible(id);
        return Response.ok(ProjectView.of(project)).tag(String.valueOf(project.version())).build();
    }

    @PATCH
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Response update(@PathParam("id") UUID id, @HeaderParam("If-Match") String ifMatch,
                           @NotNull @Valid UpdateProject request) {
        Project project = projects.update(visible(id), ifMatch, request.description());
        return Response.ok(ProjectView.of(project)).tag(String.valueOf(project.version())).build();
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.ADMIN, Roles.TENANT})
    public Response delete(@PathParam("id") UUID id, @HeaderParam("If-Match") String ifMatch) {
        projects.delete(visible(id), ifMatch);
        return Response.noContent().build();
    }

    private Project visible(UUID id) {
        return projects.find(id)
                .filter(p -> caller.mayAccessTenant(p.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("project", id));
    }
}
