package io.skydeck.network;

import io.skydeck.compute.Server;
import io.skydeck.compute.ServerService;
import io.skydeck.operations.OperationResource.OperationView;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.ProjectService;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
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
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/public-ips}: floating IPs and Elastic IPs, and the server each points at. */
@Path("/v1/public-ips")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class PublicIpResource {

    public record AllocatePublicIp(UUID tenantId, @NotNull UUID projectId, @Size(max = 64) String provider, @Size(max = 64) String region) {
    }

    public record Associate(@NotNull UUID serverId) {
    }

    public record PublicIpView(UUID id, UUID tenantId, UUID projectId, String provider, String region, String address, UUID serverId,
                               PublicIp.Status status, String providerPublicIpId, Instant createdAt, Instant updatedAt) {
        static PublicIpView of(PublicIp ip) {
            return new PublicIpView(ip.id(), ip.tenantId(), ip.projectId(), ip.provider(), ip.region(), ip.address(), ip.serverId(),
                    ip.status(), ip.providerPublicIpId(), ip.createdAt(), ip.updatedAt());
        }
    }

    public record Accepted(PublicIpView resource, OperationView operation) {
    }

    @Inject
    PublicIpService publicIps;

    @Inject
    ServerService servers;

    @Inject
    TenantService tenants;

    @Inject
    ProjectService projects;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response allocate(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid AllocatePublicIp request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        Project project = projects.find(request.projectId())
                .filter(p -> p.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("project", request.projectId()));
        PublicIpService.Site site = publicIps.site(tenant, Optional.ofNullable(request.provider()), Optional.ofNullable(request.region()));
        return idempotency.execute(key, "POST /v1/public-ips", request, () -> accepted(publicIps.allocate(tenant, project, site)));
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Page<PublicIpView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("cursor") String cursor,
                                   @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(publicIps.list(tenant, page), page.limit(), PublicIpService::position, PublicIpView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Response get(@PathParam("id") UUID id) {
        PublicIp ip = visible(id);
        return Response.ok(PublicIpView.of(ip)).tag(String.valueOf(ip.version())).build();
    }

    @POST
    @Path("/{id}/associate")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response associate(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid Associate request) {
        PublicIp ip = visible(id);
        Server server = servers.find(request.serverId())
                .filter(s -> caller.mayAccessTenant(s.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("server", request.serverId()));
        return idempotency.execute(key, "POST /v1/public-ips/" + id + "/associate", request,
                () -> accepted(publicIps.associate(ip, server)));
    }

    @POST
    @Path("/{id}/disassociate")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response disassociate(@PathParam("id") UUID id) {
        return accepted(publicIps.disassociate(visible(id)));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response release(@PathParam("id") UUID id) {
        return publicIps.release(visible(id)).map(this::accepted).orElseGet(() -> Response.noContent().build());
    }

    private Response accepted(PublicIpService.Started started) {
        return Response.accepted(new Accepted(PublicIpView.of(started.publicIp()), OperationView.of(started.operation())))
                .location(URI.create("/v1/operations/" + started.operation().id()))
                .build();
    }

    private PublicIp visible(UUID id) {
        return publicIps.find(id)
                .filter(ip -> caller.mayAccessTenant(ip.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("public IP", id));
    }
}
