package io.skydeck.finance.invoicing;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.finance.BillingPeriods;
import io.skydeck.finance.jobs.JobRuns;
import io.skydeck.finance.jobs.RequestedJobs;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.net.URI;
import java.util.Map;

/**
 * {@code /v1/invoice-runs}: an invoice run, every tenant's draft for a month (what the monthly job
 * does for last month), queued as a job: 202 with the job run to poll at {@code /v1/jobs/runs/{id}}.
 */
@Path("/v1/invoice-runs")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@RolesAllowed(Roles.FINANCE)
public class InvoiceRunResource {

    public record InvoiceRun(@NotBlank String period) {
    }

    @Inject
    RequestedJobs requested;

    @Inject
    AuditLog audit;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @POST
    public Response start(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid InvoiceRun request) {
        BillingPeriod period = BillingPeriods.required("period", request.period());
        return idempotency.execute(key, "POST /v1/invoice-runs", request, () -> {
            JobRuns.JobRun queued = requested.queue(RequestedJobs.Kind.INVOICE_RUN,
                    Map.of("period", period.toString(), "requestedBy", caller.subject()));
            audit.record("invoice-run.requested", "job-run", queued.id(), null, Map.of("period", period.toString()));
            return Response.accepted(queued).location(URI.create("/v1/jobs/runs/" + queued.id())).build();
        });
    }
}
