package io.skydeck.release;

import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.tenancy.Tenant;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/degrade-switches}: a tenant's switches per dependency, with who turned each, why and
 * since when, and the releases holding it on.
 */
@Path("/v1/degrade-switches")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class DegradeSwitchResource {

    static final String NAME_PATTERN = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    static final String NAME_MESSAGE = "lower-case letters, digits and '-', 1 to 63 characters, like a DNS label";
    /** A dependency as a service, host or queue is named: no spaces or control characters. */
    static final String DEPENDENCY_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}";
    static final String DEPENDENCY_MESSAGE = "1 to 128 letters, digits and . _ : / @ -, starting with a letter or digit";

    public record CreateDegradeSwitch(UUID tenantId,
                                      @NotBlank @Pattern(regexp = NAME_PATTERN, message = NAME_MESSAGE) String name,
                                      @NotBlank @Pattern(regexp = DEPENDENCY_PATTERN, message = DEPENDENCY_MESSAGE) String dependency,
                                      @Size(max = 500) String description) {
    }

    public record TurnDegradeSwitch(@NotBlank @Size(max = DegradeSwitchService.REASON_MAX) String reason) {
    }

    public enum State { ON, OFF }

    /** {@code changedBy}, {@code reason} and {@code since} are the last change of {@code state}; {@code heldBy} the releases holding it on. */
    public record DegradeSwitchView(UUID id, UUID tenantId, String name, String dependency, String description, State state,
                                    String changedBy, String reason, Instant since, List<UUID> heldBy,
                                    Instant createdAt, Instant updatedAt, long version) {
        static DegradeSwitchView of(DegradeSwitch s, List<UUID> heldBy) {
            return new DegradeSwitchView(s.id(), s.tenantId(), s.name(), s.dependency(), s.description(),
                    s.isOn() ? State.ON : State.OFF, s.changedBy(), s.reason(), s.since(), heldBy,
                    s.createdAt(), s.updatedAt(), s.version());
        }
    }

    @Inject
    DegradeSwitchService degradeSwitches;

    @Inject
    TenantService tenants;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid CreateDegradeSwitch request) {
        Tenant tenant = tenants.actingFor(caller, request.tenantId());
        return idempotency.execute(key, "POST /v1/degrade-switches", request, () -> {
            DegradeSwitch created = degradeSwitches.create(tenant, request.name(), request.dependency(), request.description(),
                    caller.subject());
            return Response.created(URI.create("/v1/degrade-switches/" + created.id()))
                    .tag(String.valueOf(created.version())).entity(DegradeSwitchView.of(created, List.of())).build();
        });
    }

    @GET
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Page<DegradeSwitchView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("dependency") String dependency,
                                        @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = caller.listFilter(QueryParams.uuid("tenantId", tenantParam));
        List<DegradeSwitch> found = degradeSwitches.list(tenant, Optional.ofNullable(dependency), page);
        Map<UUID, List<UUID>> holders = degradeSwitches.holders(found.stream().map(DegradeSwitch::id).toList());
        return Page.from(found, page.limit(), DegradeSwitchService::position,
                s -> DegradeSwitchView.of(s, holders.getOrDefault(s.id(), List.of())));
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN, Roles.SCHEDULER})
    public Response get(@PathParam("id") UUID id) {
        return view(visible(id));
    }

    @POST
    @Path("/{id}/on")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response turnOn(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                           @NotNull @Valid TurnDegradeSwitch request) {
        return turn(id, true, key, request);
    }

    @POST
    @Path("/{id}/off")
    @RolesAllowed({Roles.TENANT, Roles.ADMIN})
    public Response turnOff(@PathParam("id") UUID id, @HeaderParam(IdempotentRequests.HEADER) String key,
                            @NotNull @Valid TurnDegradeSwitch request) {
        return turn(id, false, key, request);
    }

    private Response turn(UUID id, boolean on, String key, TurnDegradeSwitch request) {
        DegradeSwitch visible = visible(id);
        return idempotency.execute(key, "POST /v1/degrade-switches/" + id + (on ? "/on" : "/off"), request,
                () -> view(degradeSwitches.turn(visible.id(), on, caller.subject(), request.reason())));
    }

    private Response view(DegradeSwitch s) {
        List<UUID> heldBy = degradeSwitches.holders(List.of(s.id())).getOrDefault(s.id(), List.of());
        return Response.ok(DegradeSwitchView.of(s, heldBy)).tag(String.valueOf(s.version())).build();
    }

    private DegradeSwitch visible(UUID id) {
        return degradeSwitches.find(id)
                .filter(s -> caller.mayAccessTenant(s.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("degrade switch", id));
    }
}
