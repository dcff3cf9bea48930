package io.skydeck.release;

import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.release.TrainViews.BookTicket;
import io.skydeck.release.TrainViews.CreateLine;
import io.skydeck.release.TrainViews.DepartureView;
import io.skydeck.release.TrainViews.LineView;
import io.skydeck.release.TrainViews.TicketView;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
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
import java.util.Map;
import java.util.UUID;

/**
 * {@code /v1/trains}: a tenant's release-train lines (one per pool), the tickets its apps book on
 * them, express departures, and the departures with their carriages.
 */
@Path("/v1/trains")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class TrainResource {

    @Inject
    TrainService trains;

    @Inject
    ReleaseDrivers drivers;

    @Inject
    TrainDepartures departures;

    @Inject
    TenantService tenants;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull CreateLine request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        return idempotency.execute(key, "POST /v1/trains", request, () -> {
            TrainLine line = trains.createLine(tenant, request);
            return Response.created(URI.create("/v1/trains/" + line.id())).entity(trains.view(line)).build();
        });
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<LineView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("cursor") String cursor,
                               @QueryParam("limit") Integer limit) {
        return Page.sorted(trains.lines(caller.listFilter(QueryParams.uuid("tenantId", tenantParam))), cursor, limit,
                l -> order(l.createdAt(), l.id()), trains::view);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public LineView get(@PathParam("id") UUID id) {
        return trains.view(visible(id));
    }

    /** 201 with the departure the ticket is on; 202 when it asked for an express and left at once. */
    @POST
    @Path("/{id}/tickets")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response book(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key, @NotNull BookTicket request) {
        visible(id);
        Response response = idempotency.execute(key, "POST /v1/trains/" + id + "/tickets", request, () -> {
            TrainTicket t = trains.book(id, request);
            return Response.status(t.state() == TrainTicket.State.BOOKED ? 201 : 202)
                    .location(URI.create("/v1/trains/" + id + "/tickets/" + t.id())).entity(trains.view(t)).build();
        });
        if (response.getStatus() == 202) {
            departures.startBoarded(id);
        }
        drivers.wake();
        return response;
    }

    @GET
    @Path("/{id}/tickets")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<TicketView> tickets(@PathParam("id") UUID id, @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        visible(id);
        return Page.sorted(trains.tickets(id), cursor, limit, t -> order(t.createdAt(), t.id()), trains::view);
    }

    @GET
    @Path("/{id}/tickets/{ticket}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public TicketView ticket(@PathParam("id") UUID id, @PathParam("ticket") UUID ticket) {
        visible(id);
        return trains.view(trains.ticket(id, ticket, false));
    }

    /** Cancels a booked ticket (409 once it has boarded). */
    @DELETE
    @Path("/{id}/tickets/{ticket}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public TicketView cancel(@PathParam("id") UUID id, @PathParam("ticket") UUID ticket) {
        visible(id);
        return trains.view(trains.cancel(id, ticket));
    }

    /** The app is ready early: 202 and its express carriage, or 409 saying why not (the line takes no express; not ready). */
    @POST
    @Path("/{id}/tickets/{ticket}/express")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response express(@PathParam("id") UUID id, @PathParam("ticket") UUID ticket,
                            @HeaderParam(IdempotentRequests.HEADER) String key) {
        visible(id);
        Response response = idempotency.execute(key, "POST /v1/trains/" + id + "/tickets/" + ticket + "/express", Map.of(),
                () -> Response.accepted(trains.view(trains.express(id, ticket))).build());
        departures.startBoarded(id);
        drivers.wake();
        return response;
    }

    @GET
    @Path("/{id}/departures")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<DepartureView> departures(@PathParam("id") UUID id, @QueryParam("cursor") String cursor,
                                          @QueryParam("limit") Integer limit) {
        // Departed carriages by number, then the scheduled departures by time.
        return Page.sorted(trains.departuresOf(visible(id)), cursor, limit, d -> d.number() != null
                ? String.format("0-%010d", d.number()) : String.format("1-%020d", d.departsAt().getEpochSecond()), d -> d);
    }

    @GET
    @Path("/{id}/departures/{n}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public DepartureView departure(@PathParam("id") UUID id, @PathParam("n") int number) {
        visible(id);
        return trains.departure(id, number).orElseThrow(() -> ProblemException.notFound("departure", number));
    }

    /** A key that sorts as (time, id) does. */
    private static String order(java.time.Instant at, UUID id) {
        return String.format("%020d-%s", at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000, id);
    }

    private TrainLine visible(UUID id) {
        return trains.line(id).filter(l -> caller.mayAccessTenant(l.tenantId())).orElseThrow(() -> ProblemException.notFound("train", id));
    }
}
