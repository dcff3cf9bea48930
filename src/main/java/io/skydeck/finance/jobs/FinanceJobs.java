package io.skydeck.finance.jobs;

import io.agroal.api.AgroalDataSource;
import io.quarkus.quartz.Nonconcurrent;
import io.quarkus.scheduler.Scheduled;
import io.skydeck.billing.invoice.Invoicer;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.reconciliation.Granularity;
import io.skydeck.finance.SqlTime;
import io.skydeck.finance.invoicing.Invoices;
import io.skydeck.finance.invoicing.InvoicingService;
import io.skydeck.finance.metering.HourlyClose;
import io.skydeck.finance.reconciliation.ReconciliationService;
import io.skydeck.finance.usage.UsageLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The scheduled finance work. Quartz's clustered JDBC store fires each trigger on one replica,
 * and {@link Nonconcurrent} keeps a slow run from overlapping the next firing anywhere in the
 * cluster. Each job does all its work in one transaction (see {@link JobRuns}), so a run killed
 * midway leaves nothing behind and the next one starts clean. The methods without annotations are
 * what the schedules call; tests and operators may call them directly.
 */
@ApplicationScoped
public class FinanceJobs {

    public static final String METERING_CLOSE = "metering-close";
    public static final String INVOICING = "invoicing";
    public static final String RECONCILIATION = "reconciliation";
    public static final String RECONCILIATION_AFTER_IMPORT = "reconciliation-after-import";

    @Inject
    JobRuns jobRuns;

    @Inject
    JobsConfig config;

    @Inject
    UsageLedger usage;

    @Inject
    InvoicingService invoicing;

    @Inject
    Invoices invoices;

    @Inject
    ReconciliationService reconciliation;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    @Scheduled(identity = "finance-metering-close", cron = "${skydeck.jobs.metering-close.cron:0 5 * * * ?}", timeZone = "UTC")
    @Nonconcurrent
    void scheduledMeteringClose() {
        closeMetering();
    }

    @Scheduled(identity = "finance-invoicing", cron = "${skydeck.jobs.invoicing.cron:0 0 3 2 * ?}", timeZone = "UTC")
    @Nonconcurrent
    void scheduledInvoicing() {
        draftLastMonth();
    }

    @Scheduled(identity = "finance-reconciliation", cron = "${skydeck.jobs.reconciliation.cron:0 30 2 * * ?}", timeZone = "UTC")
    @Nonconcurrent
    void scheduledReconciliation() {
        reconcileRecentMonths();
    }

    /**
     * Meters what arrived since the last close (see {@link io.skydeck.finance.metering.HourlyClose}):
     * new events, late ones included back to the start of this month, or of last month while late
     * events for it may still come; and the hours since the last close of resources still running.
     */
    public JobRuns.JobRun closeMetering() {
        return jobRuns.run(METERING_CLOSE, () -> {
            Instant now = clock.instant();
            BillingPeriod current = BillingPeriod.containing(now);
            BillingPeriod last = previous(current);
            BillingPeriod oldestOpen = Duration.between(last.end(), now).compareTo(config.meteringClose().lateEventsGrace()) < 0
                    ? last : current;
            HourlyClose.Result closed = usage.closeHour(oldestOpen.start());
            return Map.of("from", oldestOpen.toString(), "newEvents", closed.newEvents(), "resources", closed.resources(),
                    "openResources", closed.openResources(), "records", closed.records(), "rowsWritten", closed.rowsWritten(),
                    "rowsDeleted", closed.rowsDeleted());
        });
    }

    /** Closes last month's metering and drafts each tenant's invoice for it; finalized months are left alone. */
    public JobRuns.JobRun draftLastMonth() {
        return jobRuns.run(INVOICING, () -> draftMonth(previous(BillingPeriod.containing(clock.instant()))));
    }

    /**
     * Runs work that was asked for over HTTP and queued ({@link RequestedJobs}): a month's
     * reconciliation of one provider, or an invoice run (every tenant's draft for a month).
     */
    public Optional<JobRuns.JobRun> runRequested(RequestedJobs.Kind kind, UUID runId, boolean recovering, Map<String, String> p) {
        return jobRuns.runQueued(runId, kind.job, recovering, () -> switch (kind) {
            case RECONCILIATION -> {
                BillingPeriod period = new BillingPeriod(java.time.YearMonth.parse(p.get("period")));
                var run = reconciliation.run(p.get("provider"), period, Granularity.valueOf(p.get("granularity")), p.get("requestedBy"),
                        p.get("reconciliationId"));
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("reconciliationId", run.id());
                out.put("provider", p.get("provider"));
                out.put("period", period.toString());
                out.put("counts", run.counts());
                yield out;
            }
            case INVOICE_RUN -> draftMonth(new BillingPeriod(java.time.YearMonth.parse(p.get("period"))));
        });
    }

    /** Closes the month's metering for each tenant with events in it and drafts its invoice, unless finalized. */
    private Map<String, Object> draftMonth(BillingPeriod period) {
        int drafted = 0;
        int alreadyFinalized = 0;
        for (UUID tenant : usage.tenantsWithEvents(period)) {
            usage.close(tenant, period);
            Optional<Invoices.StoredInvoice> existing = invoices.find(Invoicer.invoiceId(tenant.toString(), period));
            if (existing.isPresent() && existing.get().invoice().isFinalized()) {
                alreadyFinalized++;
                continue;
            }
            invoicing.draft(tenant, period, Optional.empty());
            drafted++;
        }
        return Map.of("period", period.toString(), "drafted", drafted, "alreadyFinalized", alreadyFinalized);
    }

    /** Reconciles, for this month and last, every provider that has bill lines in it. */
    public JobRuns.JobRun reconcileRecentMonths() {
        return jobRuns.run(RECONCILIATION, () -> {
            BillingPeriod current = BillingPeriod.containing(clock.instant());
            Map<String, Object> runs = new LinkedHashMap<>();
            for (BillingPeriod period : List.of(previous(current), current)) {
                for (String provider : providersBilledIn(period)) {
                    runs.put(provider + " " + period, reconciliation.run(provider, period, Granularity.HOUR, "skydeck").id());
                }
            }
            return Map.of("runs", runs);
        });
    }

    /** Reconciles one provider for each period a bill import covers; a committed import schedules this ({@link ImportReconciliations}). */
    public JobRuns.JobRun reconcileImport(UUID importId, String provider, List<BillingPeriod> periods) {
        return jobRuns.run(RECONCILIATION_AFTER_IMPORT, () -> {
            Map<String, Object> runs = new LinkedHashMap<>();
            for (BillingPeriod period : periods) {
                runs.put(provider + " " + period, reconciliation.run(provider, period, Granularity.HOUR, "skydeck").id());
            }
            return Map.of("importId", importId.toString(), "runs", runs);
        });
    }

    private List<String> providersBilledIn(BillingPeriod period) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT DISTINCT provider FROM bill_line WHERE charge_period_start >= ? AND charge_period_start < ? ORDER BY provider")) {
            ps.setObject(1, SqlTime.utc(period.start()));
            ps.setObject(2, SqlTime.utc(period.end()));
            List<String> providers = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    providers.add(rs.getString(1));
                }
            }
            return providers;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list billed providers", e);
        }
    }

    private static BillingPeriod previous(BillingPeriod p) {
        return new BillingPeriod(p.month().minusMonths(1));
    }
}
