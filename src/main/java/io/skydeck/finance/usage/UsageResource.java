package io.skydeck.finance.usage;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.finance.BillingPeriods;
import io.skydeck.finance.TenantScope;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
import io.skydeck.tenancy.TenantService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** {@code /v1/usage}: metered usage records, and reprocessing of a tenant's month. */
@Path("/v1/usage")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class UsageResource {

    public record UsageView(String id, String tenantId, String resourceId, String providerResourceId, String provider,
                            String region, Meter meter, String flavor, String unit, Instant start, Instant end, long seconds,
                            BigDecimal quantity, String billingPeriod, Instant meteredAt) {
        static UsageView of(UsageLedger.StoredUsage s) {
            UsageRecord r = s.record();
            return new UsageView(r.id(), r.tenantId(), r.resourceId(), r.providerResourceId(), r.provider(), r.region(), r.meter(),
                    r.flavor(), r.meter().unit(), r.start(), r.end(), r.seconds(), r.quantity(), s.billingPeriod(), s.meteredAt());
        }
    }

    public record Reprocess(@NotNull UUID tenantId, @NotBlank String period, @NotBlank @Size(max = 1000) String reason) {
    }

    public record ReprocessView(UUID tenantId, String period, String reason, int records, int added, int removed, int changed) {
    }

    @Inject
    UsageLedger ledger;

    @Inject
    TenantService tenants;

    @Inject
    AuditLog audit;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @GET
    @RolesAllowed({Roles.TENANT, Roles.FINANCE, Roles.ADMIN})
    public Page<UsageView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("period") String periodParam,
                                @QueryParam("meter") String meterParam, @QueryParam("cursor") String cursor,
                                @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        var tenant = TenantScope.of(caller, QueryParams.uuid("tenantId", tenantParam));
        var rows = ledger.list(tenant, BillingPeriods.optional("period", periodParam),
                QueryParams.enumValue("meter", meterParam, Meter.class), page);
        return Page.from(rows, page.limit(), UsageLedger::position, UsageView::of);
    }

    /**
     * Recomputes a tenant's month from all its lifecycle events (late ones included) and replaces
     * the stored records, CloudKitty-style: finance says why, and the audit log keeps it.
     */
    @POST
    @Path("/reprocess")
    @RolesAllowed(Roles.FINANCE)
    public Response reprocess(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid Reprocess request) {
        BillingPeriod period = BillingPeriods.required("period", request.period());
        tenants.find(request.tenantId()).orElseThrow(() -> ProblemException.notFound("tenant", request.tenantId()));
        return idempotency.execute(key, "POST /v1/usage/reprocess", request, () -> {
            UsageLedger.Closed closed = ledger.close(request.tenantId(), period);
            audit.record("usage.reprocessed", "usage-period", request.tenantId() + "/" + period, request.tenantId(),
                    Map.of("reason", request.reason(), "records", closed.records(), "added", closed.added(),
                            "removed", closed.removed(), "changed", closed.changed()));
            return Response.ok(new ReprocessView(request.tenantId(), period.toString(), request.reason(), closed.records(),
                    closed.added(), closed.removed(), closed.changed())).build();
        });
    }
}
