package io.skydeck.network;

import io.skydeck.capacity.Placements;
import io.skydeck.network.NetworkViews.Accepted;
import io.skydeck.network.NetworkViews.CreateNetwork;
import io.skydeck.network.NetworkViews.NetworkView;
import io.skydeck.network.NetworkViews.SubnetView;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Ipam;
import io.skydeck.network.ipam.ZoneUse;
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
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/** {@code /v1/networks}: tenant VPCs and their per-zone subnets. */
@Path("/v1/networks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class NetworkResource {

    @Inject
    NetworkService networks;

    @Inject
    NetworkLinks links;

    @Inject
    Ipam ipam;

    @Inject
    ReachabilityService reachability;

    @Inject
    Placements placements;

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
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateNetwork request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        Project project = projects.find(request.projectId())
                .filter(p -> p.tenantId().equals(tenant.id()))
                .orElseThrow(() -> ProblemException.notFound("project", request.projectId()));
        NetworkService.Plan plan = networks.plan(tenant, request);
        return idempotency.execute(key, "POST /v1/networks", request, () -> accepted(networks.create(tenant, project, request, plan)));
    }

    /** A reachability question: from one side to the other, for a protocol and (tcp, udp) a port. */
    public record ReachabilityQuestion(UUID tenantId, @NotNull ReachabilityService.Side from, @NotNull ReachabilityService.Side to,
                                       @NotNull String protocol, Integer port) {
    }

    /**
     * {@code POST /v1/networks/reachability}: whether traffic can flow, the path it takes and the
     * rules that decide — the allowing rule on each side, or the hop that denies and why.
     */
    @POST
    @Path("/reachability")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Uni<ReachabilityService.Verdict> reachability(@NotNull @Valid ReachabilityQuestion question) {
        // Runs on the event loop. A tenant's question on a topology this replica keeps and knows to be
        // current (TopologyWatch) is answered here, from memory; anything that needs the database —
        // the first question, one after a change, an operator's named tenant, a side not in the
        // topology — goes to a worker thread.
        if (caller.isTenant()) {
            UUID tenantId = tenants.idActingFor(caller, question.tenantId());
            Optional<ReachabilityService.Verdict> kept = reachability.answerFromKept(tenantId, question.from(), question.to(),
                    question.protocol(), question.port());
            if (kept.isPresent()) {
                return Uni.createFrom().item(kept.get());
            }
        }
        return Uni.createFrom().item(() -> reachability.analyze(tenants.idActingFor(caller, question.tenantId()), question.from(),
                        question.to(), question.protocol(), question.port()))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Page<NetworkView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("status") String status,
                                  @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        List<Network> rows = networks.list(tenant, QueryParams.enumValue("status", status, Network.Status.class), page);
        // The page's subnets in one query, not one per network.
        Map<UUID, List<Subnet>> subnets = networks.subnets(rows.stream().map(Network::id).toList());
        return Page.from(rows, page.limit(), NetworkService::position, n -> NetworkView.of(n, subnets.get(n.id())));
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Response get(@PathParam("id") UUID id) {
        Network n = visible(id);
        return Response.ok(NetworkView.of(n, networks.subnets(n.id()))).tag(String.valueOf(n.version())).build();
    }

    @GET
    @Path("/{id}/subnets")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER, Roles.FINANCE})
    public Page<SubnetView> subnets(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return Page.sorted(networks.subnets(visible(id).id()), cursor, limit, Subnet::zone, SubnetView::of);
    }

    /** One route per destination: where traffic for a range goes from this network. */
    public record RouteView(String destination, String nextHopType, String nextHop, String detail) {
    }

    /** One host block of a zone's subnet: who claimed it and how much of it is used. */
    public record BlockView(String cidr, String host, int used, int quarantined, int usable, int size) {
    }

    /** A zone's subnet as the IPAM carves it: blocks claimed by hosts, of how many. */
    public record ZoneView(String zone, UUID subnetId, String cidr, int blocks, int claimedBlocks, List<BlockView> claimed) {
    }

    /** {@code GET /v1/networks/{id}/ipam}: per zone, the host blocks and their use. */
    @GET
    @Path("/{id}/ipam")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<ZoneView> ipam(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        Network n = visible(id);
        List<ZoneView> zones = new ArrayList<>();
        for (Subnet subnet : networks.subnets(n.id())) {
            if (subnet.status() != Subnet.Status.AVAILABLE) {
                continue;
            }
            for (ZoneUse use : ipam.blocks(subnet.id())) {
                zones.add(new ZoneView(use.zone(), subnet.id(), use.range().toString(), use.blocks(), use.claimedBlocks(),
                        use.claimed().stream().map(b -> new BlockView(b.cidr().toString(), b.host(), b.used(), b.quarantined(),
                                b.usable(), b.size())).toList()));
            }
        }
        return Page.sorted(zones, cursor, limit, ZoneView::zone, zone -> zone);
    }

    /**
     * The network's routes: one per claimed host block (next hop: the host), however many addresses
     * it holds, and one per linked network's range (next hop: the link).
     */
    @GET
    @Path("/{id}/routes")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<RouteView> routes(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        Network n = visible(id);
        List<RouteView> routes = new ArrayList<>();
        for (Subnet subnet : networks.subnets(n.id())) {
            if (subnet.status() == Subnet.Status.AVAILABLE) {
                ipam.routes(subnet.id()).forEach(route -> routes.add(new RouteView(route.destination().toString(), "HOST",
                        route.nextHop(), "block of zone " + subnet.zone())));
            }
        }
        for (NetworkLink link : links.availableOn(n.id())) {
            Network peer = networks.find(link.peerOf(n.id())).orElseThrow();
            Stream.of(peer.cidr(), peer.ipv6Cidr()).filter(Objects::nonNull).forEach(range ->
                    routes.add(new RouteView(range, "LINK", link.id().toString(), link.kind() + " to network " + peer.name())));
        }
        return Page.sorted(routes, cursor, limit, route -> sortKey(Cidr.parse(route.destination())), route -> route);
    }

    /** Ranges in address order (text order would put 10.20.128.0 before 10.20.16.0): family, address, prefix. */
    static String sortKey(Cidr range) {
        IpAddress first = range.first();
        return String.format("%d-%016x%016x/%03d", first.family().ordinal(), first.hi(), first.lo(), range.prefix());
    }

    @GET
    @Path("/{id}/placement")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public String placement(@PathParam("id") UUID id) {
        return placements.explanation(visible(id).id()).orElseThrow(() -> ProblemException.notFound("placement of network", id));
    }

    @DELETE
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response delete(@PathParam("id") UUID id) {
        return networks.delete(visible(id)).map(this::accepted).orElseGet(() -> Response.noContent().build());
    }

    private Response accepted(NetworkService.Started started) {
        Network n = started.network();
        return Response.accepted(new Accepted(NetworkView.of(n, networks.subnets(n.id())), OperationView.of(started.operation())))
                .location(URI.create("/v1/operations/" + started.operation().id()))
                .build();
    }

    private Network visible(UUID id) {
        return networks.find(id)
                .filter(n -> caller.mayAccessTenant(n.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("network", id));
    }
}
