package io.skydeck.finance.reconciliation;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.bills.BillFormat;
import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.billing.rating.AppliedRate;
import io.skydeck.billing.rating.Price;
import io.skydeck.billing.rating.RateCatalog;
import io.skydeck.billing.reconciliation.AwsUsageTypes;
import io.skydeck.billing.reconciliation.Discrepancy;
import io.skydeck.billing.reconciliation.Granularity;
import io.skydeck.billing.reconciliation.MeteredLine;
import io.skydeck.billing.reconciliation.ReconciliationRun;
import io.skydeck.billing.reconciliation.Reconciler;
import io.skydeck.billing.reconciliation.Tolerance;
import io.skydeck.finance.FinanceJson;
import io.skydeck.finance.SqlTime;
import io.skydeck.finance.rating.RateCards;
import io.skydeck.finance.store.CopyRows;
import io.skydeck.finance.usage.UsageLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Runs the billing library's {@link Reconciler} over stored usage and imported bill lines of one
 * provider and month, and stores the run with every discrepancy, all in one transaction.
 *
 * <p>Skydeck's expected cost of a usage record is its quantity at the general rate card's price
 * (tenant overrides are what a tenant pays, not what the provider charges). Both sides are read
 * through database cursors and the reconciler sorts on disk, so memory stays flat.
 */
@ApplicationScoped
public class ReconciliationService {

    private static final int FETCH = 5000;
    private static final int BATCH = 1000;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    RateCards rateCards;

    @Inject
    BillingRules rules;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    @Transactional
    public ReconciliationRun run(String provider, BillingPeriod period, Granularity granularity, String createdBy) {
        return run(provider, period, granularity, createdBy, "recon-" + UUID.randomUUID());
    }

    /** As {@link #run(String, BillingPeriod, Granularity, String)}, under an id chosen before (when the run was requested). */
    @Transactional
    public ReconciliationRun run(String provider, BillingPeriod period, Granularity granularity, String createdBy, String id) {
        RateCatalog prices = new RateCatalog(rateCards.catalog().cards().stream().filter(c -> c.tenantId() == null).toList());
        boolean aws = rules.isAws(provider);
        Function<BillLine, String> usageTypeOfBill = aws ? AwsUsageTypes::of : b -> b.usageType() == null ? "" : b.usageType();
        Reconciler reconciler = new Reconciler(clock, Tolerance.standard(), granularity, usageTypeOfBill,
                Path.of(System.getProperty("java.io.tmpdir")), Reconciler.DEFAULT_RUN_SIZE);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ours = c.prepareStatement(
                     // No ORDER BY: the Reconciler sorts by key itself, and one record per key makes order irrelevant.
                     "SELECT * FROM usage_record WHERE provider = ? AND billing_period = ?");
             PreparedStatement theirs = c.prepareStatement("""
                     SELECT * FROM bill_line WHERE provider = ? AND charge_period_start >= ? AND charge_period_start < ?
                     ORDER BY import_id, line_number""");
             DiscrepancySink discrepancies = new DiscrepancySink(c, id)) {
            ours.setString(1, provider);
            ours.setString(2, period.toString());
            ours.setFetchSize(FETCH);
            theirs.setString(1, provider);
            theirs.setObject(2, SqlTime.utc(period.start()));
            theirs.setObject(3, SqlTime.utc(period.end()));
            theirs.setFetchSize(FETCH);
            try (ResultSet usage = ours.executeQuery(); ResultSet bill = theirs.executeQuery()) {
                Iterator<MeteredLine> metered = new RowIterator<>(usage, rs -> metered(UsageLedger.toRecord(rs), aws, prices));
                Iterator<BillLine> lines = new RowIterator<>(bill, ReconciliationService::billLine);
                ReconciliationRun result = reconciler.run(period, provider, metered, lines, discrepancies);
                discrepancies.flush();
                ReconciliationRun run = new ReconciliationRun(id, result.period(), result.granularity(), result.startedAt(),
                        result.finishedAt(), result.meteredLinesRead(), result.billLinesRead(), result.accountLevelLines(),
                        result.counts(), result.byProvider(), result.byTenant(), result.byService(), null, null);
                insertRun(c, run, provider, createdBy);
                return run;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reconciliation of " + provider + " " + period + " failed", e);
        }
    }

    /**
     * A usage record as the provider should bill it; null when providers do not bill that meter on
     * its own. AWS names usage types its own way; other providers' bills name them as Skydeck does
     * ("SERVER_HOURS:m1.large" in FOCUS SkuId).
     */
    private static MeteredLine metered(UsageRecord r, boolean aws, RateCatalog prices) {
        // Clouds price the instance, not its vCPUs and memory, and containers through their nodes:
        // the meters AWS leaves out are left out for every provider.
        Optional<String> awsUsageType = AwsUsageTypes.of(r);
        if (awsUsageType.isEmpty()) {
            return null;
        }
        Optional<String> usageType = aws ? awsUsageType : Optional.of(r.meter().name() + (r.flavor().isEmpty() ? "" : ":" + r.flavor()));
        BigDecimal unitPrice = prices.find("", r.provider(), r.region(), r.meter(), r.flavor(), r.start())
                .map(ReconciliationService::expectedUnitPrice).orElse(BigDecimal.ZERO);
        return MeteredLine.of(r, usageType.get(), unitPrice, unitPrice);
    }

    private static BigDecimal expectedUnitPrice(AppliedRate applied) {
        return applied.rate().variable() instanceof Price.PerUnit p ? p.unitPrice() : applied.rate().variable().firstUnitPrice();
    }

    private static BillLine billLine(ResultSet rs) throws SQLException {
        return new BillLine(rs.getLong("line_number"), BillFormat.FOCUS, rs.getString("provider"), rs.getString("billing_account_id"),
                rs.getString("sub_account_id"), rs.getString("resource_id"), rs.getString("service_name"), rs.getString("usage_type"),
                rs.getString("region"), rs.getString("charge_category"), rs.getString("charge_class"),
                SqlTime.instant(rs, "charge_period_start"), SqlTime.instant(rs, "charge_period_end"), rs.getBigDecimal("quantity"),
                rs.getString("unit"), rs.getBigDecimal("list_unit_price"), rs.getBigDecimal("list_cost"),
                rs.getBigDecimal("billed_cost"), rs.getBigDecimal("effective_cost"), rs.getString("currency"),
                rs.getString("commitment_discount_id"), rs.getString("commitment_discount_status"), rs.getString("pricing_category"));
    }

    private void insertRun(Connection c, ReconciliationRun run, String provider, String createdBy) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO reconciliation_run (id, provider, billing_period, granularity, started_at, finished_at, metered_lines,
                    bill_lines, account_level_lines, counts, totals, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
            ps.setString(1, run.id());
            ps.setString(2, provider);
            ps.setString(3, run.period().toString());
            ps.setString(4, run.granularity().name());
            ps.setObject(5, SqlTime.utc(run.startedAt().truncatedTo(ChronoUnit.MICROS)));
            ps.setObject(6, SqlTime.utc(run.finishedAt().truncatedTo(ChronoUnit.MICROS)));
            ps.setLong(7, run.meteredLinesRead());
            ps.setLong(8, run.billLinesRead());
            ps.setLong(9, run.accountLevelLines());
            ps.setString(10, FinanceJson.write(json, run.counts()));
            ps.setString(11, FinanceJson.write(json, Map.of("byProvider", run.byProvider(), "byTenant", run.byTenant(),
                    "byService", run.byService())));
            ps.setString(12, createdBy);
            ps.executeUpdate();
        }
    }

    private static final String COPY_DISCREPANCIES = """
            COPY reconciliation_discrepancy (run_id, seq, kind, resource_id, usage_type, period_start, tenant_id, service,
                skydeck_quantity, provider_quantity, skydeck_list_cost, skydeck_effective_cost, provider_list_cost,
                provider_effective_cost, commitment_id) FROM STDIN""";

    /**
     * Streams discrepancies into one COPY as the reconciler emits them, under the run id chosen
     * before the run (the library names its runs only at the end); the run row follows in the same
     * transaction, which the deferred foreign key allows. The COPY opens at the first discrepancy:
     * the reconciler has read both inputs (it sorts them first), so the connection is free by then.
     */
    private static final class DiscrepancySink implements java.util.function.Consumer<Discrepancy>, AutoCloseable {
        private final Connection c;
        private final String runId;
        private CopyRows rows;
        private long seq;

        DiscrepancySink(Connection c, String runId) {
            this.c = c;
            this.runId = runId;
        }

        @Override
        public void accept(Discrepancy d) {
            try {
                if (rows == null) {
                    rows = CopyRows.open(c, COPY_DISCREPANCIES);
                }
                DiscrepancyRow r = DiscrepancyRow.of(++seq, d);
                rows.text(runId).number(seq).text(r.kind().name()).text(r.resourceId()).text(r.usageType())
                        .instant(r.periodStart()).text(r.tenantId()).text(r.service()).number(r.skydeckQuantity())
                        .number(r.providerQuantity()).number(r.skydeckListCost()).number(r.skydeckEffectiveCost())
                        .number(r.providerListCost()).number(r.providerEffectiveCost()).text(r.commitmentId()).endRow();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot store a discrepancy", e);
            }
        }

        void flush() throws SQLException {
            if (rows != null) {
                rows.finish();
            }
        }

        @Override
        public void close() throws SQLException {
            if (rows != null) {
                rows.close();
            }
        }
    }
}
