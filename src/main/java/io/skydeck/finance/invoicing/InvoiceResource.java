package io.skydeck.finance.invoicing;

import io.skydeck.billing.invoice.FocusChargesWriter;
import io.skydeck.billing.invoice.Invoice;
import io.skydeck.billing.invoice.InvoiceCsvWriter;
import io.skydeck.billing.invoice.InvoiceLine;
import io.skydeck.billing.invoice.InvoiceStatus;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.finance.BillingPeriods;
import io.skydeck.finance.TenantScope;
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
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/invoices}: monthly invoices. Finance drafts and finalizes; a tenant reads its own,
 * as JSON, CSV or FOCUS 1.2.
 */
@Path("/v1/invoices")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class InvoiceResource {

    static final String CSV = "text/csv";

    public record DraftInvoice(@NotNull UUID tenantId, @NotBlank String period,
                               @Pattern(regexp = "[A-Z]{3}", message = "an ISO 4217 code such as USD") String currency) {
    }

    public record InvoiceView(String id, String tenantId, String period, String currency, InvoiceStatus status, BigDecimal total,
                              int unratedUsageRecords, Instant createdAt, Instant finalizedAt, List<InvoiceLine> lines) {
        static InvoiceView of(Invoices.StoredInvoice s) {
            Invoice i = s.invoice();
            return new InvoiceView(i.id(), i.tenantId(), i.period().toString(), i.currency(), i.status(), i.total(),
                    s.unratedRecords(), i.createdAt(), i.finalizedAt(), i.lines());
        }
    }

    @Inject
    Invoices invoices;

    @Inject
    InvoicingService invoicing;

    @Inject
    TenantService tenants;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    /** Drafts (or redrafts) the tenant's month; 409 once that month is finalized. */
    @POST
    @RolesAllowed(Roles.FINANCE)
    public Response draft(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid DraftInvoice request) {
        BillingPeriod period = BillingPeriods.required("period", request.period());
        tenants.find(request.tenantId()).orElseThrow(() -> ProblemException.notFound("tenant", request.tenantId()));
        return idempotency.execute(key, "POST /v1/invoices", request, () -> {
            Invoices.StoredInvoice drafted = invoicing.draft(request.tenantId(), period, Optional.ofNullable(request.currency()));
            return Response.created(URI.create("/v1/invoices/" + drafted.invoice().id())).entity(InvoiceView.of(drafted)).build();
        });
    }

    @POST
    @Path("/{id}/finalize")
    @RolesAllowed(Roles.FINANCE)
    public InvoiceView finalizeInvoice(@PathParam("id") String id) {
        return InvoiceView.of(invoicing.finalizeInvoice(visible(id)));
    }

    @GET
    @RolesAllowed({Roles.FINANCE, Roles.TENANT, Roles.ADMIN})
    public Page<InvoiceView> list(@QueryParam("tenantId") String tenantParam, @QueryParam("period") String periodParam,
                                  @QueryParam("status") String statusParam, @QueryParam("cursor") String cursor,
                                  @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        Optional<UUID> tenant = TenantScope.of(caller, QueryParams.uuid("tenantId", tenantParam));
        return Page.from(invoices.list(tenant, BillingPeriods.optional("period", periodParam),
                QueryParams.enumValue("status", statusParam, InvoiceStatus.class), page), page.limit(),
                Invoices::position, InvoiceView::of);
    }

    /**
     * The invoice as JSON, or as CSV (one row per line, usage record ids space-separated) when the
     * client asks for text/csv by name; a wildcard Accept gets JSON.
     */
    @GET
    @Path("/{id}")
    @Produces({MediaType.APPLICATION_JSON, CSV})
    @RolesAllowed({Roles.FINANCE, Roles.TENANT, Roles.ADMIN})
    public Response get(@PathParam("id") String id, @Context HttpHeaders headers) {
        Invoices.StoredInvoice invoice = visible(id);
        if (!wantsCsv(headers.getAcceptableMediaTypes())) {
            return Response.ok(InvoiceView.of(invoice), MediaType.APPLICATION_JSON_TYPE).build();
        }
        StringWriter out = new StringWriter();
        InvoiceCsvWriter.write(invoice.invoice(), out);
        return Response.ok(out.toString(), CSV).header("Content-Disposition", "attachment; filename=\"" + id + ".csv\"").build();
    }

    private static boolean wantsCsv(List<MediaType> acceptable) {
        for (MediaType type : acceptable) {
            if (type.isWildcardType() || type.isWildcardSubtype()) {
                return false;
            }
            if (type.isCompatible(MediaType.APPLICATION_JSON_TYPE)) {
                return false;
            }
            if (type.isCompatible(MediaType.valueOf(CSV))) {
                return true;
            }
        }
        return false;
    }

    /** The invoice's charges as FOCUS 1.2 CSV (all mandatory columns, then trace columns). */
    @GET
    @Path("/{id}/focus")
    @Produces(CSV)
    @RolesAllowed({Roles.FINANCE, Roles.TENANT, Roles.ADMIN})
    public Response focus(@PathParam("id") String id) {
        Invoice invoice = visible(id).invoice();
        String tenantName = tenants.find(UUID.fromString(invoice.tenantId())).map(Tenant::name).orElse(invoice.tenantId());
        StringWriter out = new StringWriter();
        FocusChargesWriter.write(tenantName, List.of(invoice), Map.of(), out);
        return Response.ok(out.toString(), CSV)
                .header("Content-Disposition", "attachment; filename=\"" + id + "-focus.csv\"").build();
    }

    private Invoices.StoredInvoice visible(String id) {
        return invoices.find(id)
                .filter(s -> caller.mayAccessTenant(UUID.fromString(s.invoice().tenantId())))
                .orElseThrow(() -> ProblemException.notFound("invoice", id));
    }
}
