package io.skydeck.network;

import io.skydeck.operations.OperationResource.OperationView;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
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

/**
 * {@code /v1/network-links}: two of a tenant's networks joined (peering in one provider, VPN between two).
 * A create or delete answers 202 with the operation that makes or removes the providers' side.
 */
@Path("/v1/network-links")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class NetworkLinkResource {

    public record CreateLink(@NotNull UUID networkA, @NotNull UUID networkB) {
    }

    /**
     * A link as the tenant sees it: the providers' ids of each side (a peering has one, on side a)
     * and, for a VPN, each side's public endpoint. Never the VPN's pre-shared key.
     */
    public record LinkView(UUID id, UUID tenantId, UUID networkA, UUID networkB, NetworkLink.Kind kind, NetworkLink.Status status,
                           String providerLinkA, String providerLinkB, String endpointA, String endpointB,
                           Instant createdAt, Instant updatedAt) {
        static LinkView of(NetworkLink link) {
            return new LinkView(link.id(), link.tenantId(), link.networkA(), link.networkB(), link.kind(), link.status(),
                    link.providerLinkA(), link.providerLinkB(), link.endpointA(), link.endpointB(), link.createdAt(), link.updatedAt());
        }
    }

    public record Accepted(LinkView resource, OperationView operation) {
    }

    @Inject
    NetworkLinks links;

    @Inject
    NetworkService networks;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@NotNull @Valid CreateLink request) {
        Network a = visibleNetwork(request.networkA());
        Network b = visibleNetwork(request.networkB());
        if (!a.tenantId().equals(b.tenantId())) {
            // An operator sees both; a link still never joins two tenants.
            throw ProblemException.invalid("networkB", "network " + b.id() + " belongs to another tenant than network " + a.id());
        }
        return accepted(links.link(a.tenantId(), a.id(), b.id(), links.plan(a, b)));
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<LinkView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("cursor") String cursor,
                               @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        return Page.from(links.list(tenant, page), page.limit(), NetworkLinks::position, LinkView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public LinkView get(@PathParam("id") UUID id) {
        return LinkView.of(visible(id));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response delete(@PathParam("id") UUID id) {
        return links.unlink(visible(id)).map(this::accepted).orElseGet(() -> Response.noContent().build());
    }

    private Response accepted(NetworkLinks.Started started) {
        return Response.accepted(new Accepted(LinkView.of(started.link()), OperationView.of(started.operation())))
                .location(URI.create("/v1/operations/" + started.operation().id()))
                .build();
    }

    private NetworkLink visible(UUID id) {
        return links.find(id).filter(link -> caller.mayAccessTenant(link.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("network link", id));
    }

    private Network visibleNetwork(UUID id) {
        return networks.find(id).filter(n -> caller.mayAccessTenant(n.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("network", id));
    }
}
