package io.skydeck.finance.reconciliation;

import io.agroal.api.AgroalDataSource;
import io.skydeck.finance.Jdbc;
import io.skydeck.finance.SqlTime;
import io.skydeck.platform.audit.AuditLog;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finance's word that one discrepancy is explained, with its note. The first mark stands: marking
 * again answers the mark already there, so a retried click or request changes nothing (and the
 * audit log has one entry). Kept in a table of its own because discrepancy rows are written in
 * bulk by the reconciler and never change.
 */
@ApplicationScoped
public class DiscrepancyMarks {

    /** Who explained discrepancy {@code seq} of run {@code runId}, when, and how. */
    public record Mark(String runId, long seq, String reconciledBy, Instant reconciledAt, String note) {
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    AuditLog audit;

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Mark> find(String runId, long seq) {
        return Jdbc.query(dataSource, "discrepancy marks",
                "SELECT * FROM reconciliation_discrepancy_mark WHERE run_id = ? AND seq = ?", List.of(runId, seq),
                rs -> new Mark(rs.getString("run_id"), rs.getLong("seq"), rs.getString("reconciled_by"),
                        SqlTime.instant(rs, "reconciled_at"), rs.getString("note"))).stream().findFirst();
    }

    /** Marks the discrepancy (which must exist) unless it already is; the mark that stands either way. */
    @Transactional
    public Mark mark(String runId, long seq, String by, Instant at, String note) {
        int written = Jdbc.update(dataSource, "mark a discrepancy reconciled",
                "INSERT INTO reconciliation_discrepancy_mark (run_id, seq, reconciled_by, reconciled_at, note) VALUES (?, ?, ?, ?, ?)"
                        + " ON CONFLICT (run_id, seq) DO NOTHING",
                List.of(runId, seq, by, SqlTime.utc(at.truncatedTo(ChronoUnit.MICROS)), note));
        if (written == 1) {
            audit.record("reconciliation.discrepancy-reconciled", "reconciliation", runId, null,
                    Map.of("seq", seq, "note", note));
        }
        return find(runId, seq).orElseThrow();
    }
}
