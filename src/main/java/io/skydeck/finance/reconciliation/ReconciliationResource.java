package io.skydeck.finance.reconciliation;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.billing.bills.CsvWriter;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.reconciliation.Discrepancy;
import io.skydeck.billing.reconciliation.Granularity;
import io.skydeck.finance.BillingPeriods;
import io.skydeck.finance.jobs.JobRuns;
import io.skydeck.finance.jobs.RequestedJobs;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.idempotency.IdempotentRequests;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import io.skydeck.platform.web.QueryParams;
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
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@code /v1/reconciliations}: Skydeck's metering against a provider's bill (finance only). */
@Path("/v1/reconciliations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@RolesAllowed(Roles.FINANCE)
public class ReconciliationResource {

    static final int HTML_ROWS = 1000;

    public record Reconcile(@NotBlank String provider, @NotBlank String period, String granularity) {
    }

    /** A run with one page of its discrepancies; pass {@code nextAfterSeq} back as {@code afterSeq}. */
    public record RunWithDiscrepancies(ReconciliationRuns.RunView run, List<DiscrepancyRow> discrepancies, Long nextAfterSeq) {
    }

    /** Why a discrepancy is explained: a credit note to come, a resource tagged late, ... */
    public record MarkDiscrepancy(@NotBlank @Size(max = 2000) String note) {
    }

    /** One discrepancy and, once finance explained it, its mark (null until then). */
    public record DiscrepancyDetail(DiscrepancyRow discrepancy, DiscrepancyMarks.Mark reconciled) {
    }

    @Inject
    ReconciliationRuns runs;

    @Inject
    DiscrepancyMarks marks;

    @Inject
    RequestedJobs requested;

    @Inject
    AuditLog audit;

    @Inject
    IdempotentRequests idempotency;

    @Inject
    Caller caller;

    @Inject
    Clock clock;

    /**
     * Queues the month's reconciliation and answers 202 with the job run to poll
     * ({@code Location: /v1/jobs/runs/{id}}); its {@code counts} name the reconciliation
     * ({@code reconciliationId}, readable at {@code /v1/reconciliations/{id}} once the run SUCCEEDED).
     * The request's transaction only writes the queued run and its trigger.
     */
    @POST
    public Response reconcile(@HeaderParam(IdempotentRequests.HEADER) String key, @NotNull @Valid Reconcile request) {
        BillingPeriod period = BillingPeriods.required("period", request.period());
        Granularity granularity = QueryParams.enumValue("granularity", request.granularity(), Granularity.class).orElse(Granularity.HOUR);
        return idempotency.execute(key, "POST /v1/reconciliations", request, () -> {
            String reconciliationId = "recon-" + UUID.randomUUID();
            JobRuns.JobRun queued = requested.queue(RequestedJobs.Kind.RECONCILIATION, Map.of("provider", request.provider(),
                    "period", period.toString(), "granularity", granularity.name(), "requestedBy", caller.subject(),
                    "reconciliationId", reconciliationId));
            audit.record("reconciliation.requested", "reconciliation", reconciliationId, null,
                    Map.of("provider", request.provider(), "period", period.toString(), "jobRunId", queued.id().toString()));
            return Response.accepted(queued).location(URI.create("/v1/jobs/runs/" + queued.id())).build();
        });
    }

    @GET
    public Page<ReconciliationRuns.RunView> list(@QueryParam("provider") String provider, @QueryParam("period") String period,
                                                 @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        BillingPeriods.optional("period", period);
        return Page.from(runs.list(Optional.ofNullable(provider), Optional.ofNullable(period), page), page.limit(),
                ReconciliationRuns::position, r -> r);
    }

    @GET
    @Path("/{id}")
    public RunWithDiscrepancies get(@PathParam("id") String id, @QueryParam("kind") String kind,
                                    @QueryParam("afterSeq") Long afterSeq, @QueryParam("limit") Integer limit) {
        ReconciliationRuns.RunView run = find(id);
        int size = limit == null ? 500 : limit;
        if (size < 1 || size > 5000) {
            throw ProblemException.invalid("limit", "must be between 1 and 5000");
        }
        List<DiscrepancyRow> rows = new ArrayList<>();
        runs.discrepancies(id, QueryParams.enumValue("kind", kind, Discrepancy.Kind.class), afterSeq == null ? 0 : afterSeq,
                size + 1L, rows::add);
        boolean more = rows.size() > size;
        List<DiscrepancyRow> page = more ? rows.subList(0, size) : rows;
        return new RunWithDiscrepancies(run, page, more ? page.get(page.size() - 1).seq() : null);
    }

    /** Every discrepancy, streamed from a database cursor as it is written out. */
    @GET
    @Path("/{id}/report.csv")
    @Produces("text/csv")
    public Response csv(@PathParam("id") String id) {
        find(id);
        StreamingOutput body = out -> {
            BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            CsvWriter csv = ReconciliationReport.csv(writer);
            QuarkusTransaction.requiringNew().run(() ->
                    runs.discrepancies(id, Optional.empty(), 0, Long.MAX_VALUE, r -> csv.row(ReconciliationReport.csvRow(r))));
            csv.flush();
        };
        return Response.ok(body, "text/csv").header("Content-Disposition", "attachment; filename=\"" + id + ".csv\"").build();
    }

    @GET
    @Path("/{id}/report.html")
    @Produces(MediaType.TEXT_HTML)
    public String html(@PathParam("id") String id) {
        ReconciliationRuns.RunView run = find(id);
        List<DiscrepancyRow> differences = new ArrayList<>();
        for (Discrepancy.Kind kind : Discrepancy.Kind.values()) {
            if (kind != Discrepancy.Kind.MATCHED && differences.size() <= HTML_ROWS) {
                runs.discrepancies(id, Optional.of(kind), 0, HTML_ROWS + 1L - differences.size(), differences::add);
            }
        }
        boolean truncated = differences.size() > HTML_ROWS;
        return ReconciliationReport.html(run, truncated ? differences.subList(0, HTML_ROWS) : differences, truncated);
    }

    /** Finance's statement that the run's differences are explained; once only. */
    @POST
    @Path("/{id}/mark-reconciled")
    public ReconciliationRuns.RunView markReconciled(@PathParam("id") String id) {
        ReconciliationRuns.RunView run = find(id);
        if (!runs.markReconciled(run, caller.subject(), clock.instant())) {
            ReconciliationRuns.RunView now = find(id);
            throw new ProblemException(ProblemType.CONFLICT, "run " + id + " was already marked reconciled by " + now.reconciledBy());
        }
        return runs.find(id).orElseThrow();
    }

    @GET
    @Path("/{id}/discrepancies/{seq}")
    public DiscrepancyDetail discrepancy(@PathParam("id") String id, @PathParam("seq") long seq) {
        return new DiscrepancyDetail(discrepancyOf(id, seq), marks.find(id, seq).orElse(null));
    }

    /**
     * Finance's statement that one discrepancy is explained, with a note. Idempotent: marking a
     * marked discrepancy again answers the first mark, unchanged. A match has nothing to explain.
     */
    @POST
    @Path("/{id}/discrepancies/{seq}/reconciled")
    public DiscrepancyMarks.Mark markDiscrepancyReconciled(@PathParam("id") String id, @PathParam("seq") long seq,
                                                           @NotNull @Valid MarkDiscrepancy request) {
        DiscrepancyRow row = discrepancyOf(id, seq);
        if (row.kind() == Discrepancy.Kind.MATCHED) {
            throw new ProblemException(ProblemType.CONFLICT, "discrepancy " + seq + " of " + id + " is a match: nothing to reconcile");
        }
        return marks.mark(id, seq, caller.subject(), clock.instant(), request.note().trim());
    }

    private DiscrepancyRow discrepancyOf(String id, long seq) {
        find(id);
        List<DiscrepancyRow> rows = new ArrayList<>();
        runs.discrepancies(id, Optional.empty(), seq - 1, 1, rows::add);
        return rows.stream().filter(r -> r.seq() == seq).findFirst()
                .orElseThrow(() -> ProblemException.notFound("discrepancy", id + "/" + seq));
    }

    private ReconciliationRuns.RunView find(String id) {
        return runs.find(id).orElseThrow(() -> ProblemException.notFound("reconciliation", id));
    }
}
