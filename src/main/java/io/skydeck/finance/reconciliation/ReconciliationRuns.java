package io.skydeck.finance.reconciliation;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.reconciliation.Discrepancy;
import io.skydeck.billing.reconciliation.Totals;
import io.skydeck.finance.FinanceJson;
import io.skydeck.finance.Jdbc;
import io.skydeck.finance.SqlTime;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/** Stored reconciliation runs and their discrepancies. */
@ApplicationScoped
public class ReconciliationRuns {

    /** A run as finance reads it: counts of every kind (zeros included) and totals by provider, tenant and service. */
    public record RunView(String id, String provider, String period, String granularity, Instant startedAt, Instant finishedAt,
                          long meteredLinesRead, long billLinesRead, long accountLevelLines, Map<String, Long> counts,
                          Map<String, Map<String, Totals>> totals, String createdBy, String reconciledBy, Instant reconciledAt) {
    }

    private static final TypeReference<Map<String, Long>> COUNTS = new TypeReference<>() { };
    private static final TypeReference<Map<String, Map<String, Totals>>> TOTALS = new TypeReference<>() { };

    private static final String ID_PREFIX = "recon-";

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ObjectMapper json;

    @Inject
    io.skydeck.platform.audit.AuditLog audit;

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<RunView> find(String id) {
        return runs("SELECT * FROM reconciliation_run WHERE id = ?", List.of(id)).stream().findFirst();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    /** Newest first: a page ordered by (started at, id) descending, {@code limit + 1} rows at most. */
    public List<RunView> list(Optional<String> provider, Optional<String> period, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM reconciliation_run WHERE true");
        List<Object> args = new ArrayList<>();
        provider.ifPresent(p -> {
            sql.append(" AND provider = ?");
            args.add(p);
        });
        period.ifPresent(p -> {
            sql.append(" AND billing_period = ?");
            args.add(p);
        });
        page.after().ifPresent(cur -> {
            sql.append(" AND (started_at, id) < (?, ?)");
            args.add(SqlTime.utc(cur.createdAt()));
            args.add(ID_PREFIX + cur.id());
        });
        sql.append(" ORDER BY started_at DESC, id DESC LIMIT ").append(page.limit() + 1);
        return runs(sql.toString(), args);
    }

    public static Cursor position(RunView run) {
        return new Cursor(run.startedAt(), UUID.fromString(run.id().substring(ID_PREFIX.length())));
    }

    /** Marks a run reconciled, with its audit entry; false (and nothing written) when it already was. */
    @Transactional
    public boolean markReconciled(RunView run, String by, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE reconciliation_run SET reconciled_by = ?, reconciled_at = ? WHERE id = ? AND reconciled_at IS NULL")) {
            ps.setString(1, by);
            ps.setObject(2, SqlTime.utc(at.truncatedTo(ChronoUnit.MICROS)));
            ps.setString(3, run.id());
            if (ps.executeUpdate() == 0) {
                return false;
            }
            audit.record("reconciliation.marked-reconciled", "reconciliation", run.id(), null,
                    java.util.Map.of("provider", run.provider(), "period", run.period()));
            return true;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot mark run " + run.id() + " reconciled", e);
        }
    }

    /**
     * Feeds the run's discrepancies in order to {@code sink}, through a cursor — which needs a
     * transaction, or PostgreSQL sends the whole result at once: this joins the caller's or opens one.
     */
    @Transactional
    public void discrepancies(String runId, Optional<Discrepancy.Kind> kind, long afterSeq, long limit, Consumer<DiscrepancyRow> sink) {
        String sql = "SELECT * FROM reconciliation_discrepancy WHERE run_id = ? AND seq > ?"
                + (kind.isPresent() ? " AND kind = ?" : "") + " ORDER BY seq LIMIT ?";
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            int i = 1;
            ps.setString(i++, runId);
            ps.setLong(i++, afterSeq);
            if (kind.isPresent()) {
                ps.setString(i++, kind.get().name());
            }
            ps.setLong(i, limit);
            ps.setFetchSize(2000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    sink.accept(DiscrepancyRow.read(rs));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read discrepancies of " + runId, e);
        }
    }

    private List<RunView> runs(String sql, List<Object> args) {
        return Jdbc.query(dataSource, "reconciliation runs", sql, args, this::view);
    }

    private RunView view(ResultSet rs) throws SQLException {
        Map<String, Long> stored = FinanceJson.read(json, rs.getString("counts"), COUNTS);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Discrepancy.Kind k : Discrepancy.Kind.values()) {
            counts.put(k.name(), stored.getOrDefault(k.name(), 0L));
        }
        return new RunView(rs.getString("id"), rs.getString("provider"), rs.getString("billing_period"), rs.getString("granularity"),
                SqlTime.instant(rs, "started_at"), SqlTime.instant(rs, "finished_at"), rs.getLong("metered_lines"),
                rs.getLong("bill_lines"), rs.getLong("account_level_lines"), counts,
                FinanceJson.read(json, rs.getString("totals"), TOTALS), rs.getString("created_by"), rs.getString("reconciled_by"),
                SqlTime.instant(rs, "reconciled_at"));
    }
}
