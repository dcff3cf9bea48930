package io.skydeck.finance.rating;

import io.skydeck.billing.rating.RateCard;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem.FieldError;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/** {@code /v1/rate-cards}: versioned price lists (finance only). */
@Path("/v1/rate-cards")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@RolesAllowed(Roles.FINANCE)
public class RateCardResource {

    /**
     * A new card, or a new version of the card with this name. {@code region} "*" covers every
     * region of the provider; {@code tenantId} makes it that tenant's override.
     */
    public record CreateRateCard(String name, String provider, String region, String currency, Instant effectiveFrom,
                                 Instant effectiveTo, UUID tenantId, List<RateSpec> rates) {
    }

    public record RateCardView(UUID id, String name, int version, String provider, String region, String currency,
                               Instant effectiveFrom, Instant effectiveTo, String tenantId, List<RateSpec> rates,
                               Instant createdAt, String createdBy) {
        static RateCardView of(RateCards.StoredCard s) {
            RateCard c = s.card();
            return new RateCardView(s.id(), c.id(), c.version(), c.provider(), c.region(), c.currency(), c.effectiveFrom(),
                    c.effectiveTo(), c.tenantId(), s.rates(), s.createdAt(), s.createdBy());
        }
    }

    @Inject
    RateCards cards;

    @Inject
    TenantService tenants;

    @Inject
    AuditLog audit;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull CreateRateCard request) {
        validate(request);
        return idempotency.execute(key, "POST /v1/rate-cards", request, () -> {
            RateCards.StoredCard stored = cards.create(request.name(), request.provider(), request.region(), request.currency(),
                    request.effectiveFrom(), request.effectiveTo(), request.tenantId(), request.rates(), caller.subject());
            audit.record("rate-card.created", "rate-card", stored.id(), request.tenantId(),
                    Map.of("name", request.name(), "version", stored.card().version()));
            return Response.created(URI.create("/v1/rate-cards/" + stored.id())).entity(RateCardView.of(stored)).build();
        });
    }

    @GET
    public Page<RateCardView> list(@QueryParam("provider") String provider, @QueryParam("name") String name,
                                   @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        return Page.from(cards.list(Optional.ofNullable(provider), Optional.ofNullable(name), page), page.limit(),
                RateCards::position, RateCardView::of);
    }

    @GET
    @Path("/{id}")
    public RateCardView get(@PathParam("id") UUID id) {
        return cards.find(id).map(RateCardView::of).orElseThrow(() -> ProblemException.notFound("rate card", id));
    }

    /** Collects every field error at once, so one 400 tells finance everything that is wrong. */
    private void validate(CreateRateCard r) {
        List<FieldError> errors = new ArrayList<>();
        if (r.name() == null || !r.name().matches("[a-z0-9][a-z0-9.-]{0,63}")) {
            errors.add(new FieldError("name", "1-64 lower-case letters, digits, '.' or '-'"));
        }
        required(r.provider(), "provider", errors);
        required(r.region(), "region", errors);
        if (r.currency() == null || !r.currency().matches("[A-Z]{3}")) {
            errors.add(new FieldError("currency", "an ISO 4217 code such as USD"));
        }
        if (r.effectiveFrom() == null) {
            errors.add(new FieldError("effectiveFrom", "is required"));
        } else if (r.effectiveTo() != null && !r.effectiveTo().isAfter(r.effectiveFrom())) {
            errors.add(new FieldError("effectiveTo", "must be after effectiveFrom"));
        }
        if (r.tenantId() != null && tenants.find(r.tenantId()).isEmpty()) {
            errors.add(new FieldError("tenantId", "no such tenant"));
        }
        RateSpec.toRates(r.rates(), errors);
        if (!errors.isEmpty()) {
            String detail = errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; "));
            throw new ProblemException(ProblemType.VALIDATION, detail, errors, Map.of());
        }
    }

    private static void required(String value, String field, List<FieldError> errors) {
        if (value == null || value.isBlank() || value.length() > 64) {
            errors.add(new FieldError(field, "is required (at most 64 characters)"));
        }
    }
}
