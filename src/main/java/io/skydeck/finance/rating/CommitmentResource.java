package io.skydeck.finance.rating;

import io.skydeck.billing.rating.Commitment;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem.FieldError;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
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

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * {@code /v1/commitments}: reserved capacity and spend commitments a tenant bought, which rating
 * applies before on-demand prices. Finance records them; finance and admin read them all, a
 * tenant its own (another tenant's is "not found").
 */
@Path("/v1/commitments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class CommitmentResource {

    public record CommitmentView(UUID id, UUID tenantId, String type, String provider, String region, String meter, String flavor,
                                 BigDecimal unitsPerHour, BigDecimal committedUnitPrice, BigDecimal hourlyCommitment,
                                 BigDecimal discountRate, String currency, Instant effectiveFrom, Instant effectiveTo,
                                 Instant createdAt, String createdBy) {
        static CommitmentView of(Commitments.StoredCommitment s) {
            Commitment c = s.commitment();
            if (c instanceof Commitment.ReservedCapacity rc) {
                return new CommitmentView(s.id(), s.tenantId(), CommitmentTerms.RESERVED_CAPACITY, rc.provider(), rc.region(),
                        rc.meter().name(), rc.flavor(), rc.unitsPerHour(), rc.committedUnitPrice(), null, null, rc.currency(),
                        rc.from(), rc.to(), s.createdAt(), s.createdBy());
            }
            Commitment.SpendCommitment sc = (Commitment.SpendCommitment) c;
            return new CommitmentView(s.id(), s.tenantId(), CommitmentTerms.SPEND, sc.provider(), null, null, null, null, null,
                    sc.hourlyCommitment(), sc.discountRate(), sc.currency(), sc.from(), sc.to(), s.createdAt(), s.createdBy());
        }
    }

    @Inject
    Commitments commitments;

    @Inject
    TenantService tenants;

    @Inject
    AuditLog audit;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    @RolesAllowed(Roles.FINANCE)
    public Response create(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull CommitmentTerms request) {
        validate(request);
        return idempotency.execute(key, "POST /v1/commitments", request, () -> {
            Commitment commitment = request.toCommitment(UUID.randomUUID().toString(), new ArrayList<>());
            Commitments.StoredCommitment stored = commitments.create(commitment, caller.subject());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("type", request.type());
            details.put("provider", request.provider());
            details.put("effectiveFrom", request.effectiveFrom().toString());
            details.put("effectiveTo", request.effectiveTo().toString());
            audit.record("commitment.created", "commitment", stored.id(), stored.tenantId(), details);
            return Response.created(URI.create("/v1/commitments/" + stored.id())).entity(CommitmentView.of(stored)).build();
        });
    }

    @GET
    @RolesAllowed({Roles.FINANCE, Roles.ADMIN, Roles.TENANT})
    public Page<CommitmentView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("cursor") String cursor,
                                     @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        return Page.from(commitments.list(caller.listFilter(QueryParams.uuid("tenantId", tenantParam)), page), page.limit(),
                Commitments::position, CommitmentView::of);
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({Roles.FINANCE, Roles.ADMIN, Roles.TENANT})
    public CommitmentView get(@PathParam("id") UUID id) {
        return commitments.find(id).filter(s -> caller.mayAccessTenant(s.tenantId())).map(CommitmentView::of)
                .orElseThrow(() -> ProblemException.notFound("commitment", id));
    }

    /** Collects every field error at once, so one 400 tells finance everything that is wrong. */
    private void validate(CommitmentTerms request) {
        List<FieldError> errors = new ArrayList<>();
        request.toCommitment(UUID.randomUUID().toString(), errors);
        if (request.tenantId() != null && tenants.find(request.tenantId()).isEmpty()) {
            errors.add(new FieldError("tenantId", "no such tenant"));
        }
        if (!errors.isEmpty()) {
            String detail = errors.stream().map(e -> e.field() + ": " + e.message()).collect(Collectors.joining("; "));
            throw new ProblemException(ProblemType.VALIDATION, detail, errors, Map.of());
        }
    }
}
