package io.skydeck.finance.bills;

import io.agroal.api.AgroalDataSource;
import io.quarkus.narayana.jta.runtime.TransactionConfiguration;
import io.skydeck.billing.bills.BillFormatException;
import io.skydeck.billing.bills.BillImport;
import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.finance.Jdbc;
import io.skydeck.finance.SqlTime;
import io.skydeck.finance.jobs.ImportReconciliations;
import io.skydeck.finance.store.BillLineCopy;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.Transactional;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Imports provider bill files all-or-nothing and at most once.
 *
 * <p>The file streams from the request through {@link BillImport} into one {@code COPY} of
 * {@code bill_line} ({@link BillLineCopy}) inside one transaction: a bad row cancels the COPY and
 * rolls back every line already sent, and nothing of the file stays in memory. The SHA-256 is only known after the last byte, so a repeated file
 * is recognised at the end and its lines are rolled back then; the unique key on the digest makes
 * two concurrent uploads of one file keep one. The digest is of the decompressed content, so the
 * same bill sent once as CSV and once as CSV.gz is one import.
 */
@ApplicationScoped
public class BillImports {

    /** One imported file. */
    public record StoredImport(UUID id, String provider, String sha256, String format, long lines, Instant importedAt,
                               String importedBy) {
    }

    /**
     * How an import ended; a bad file is an exception ({@link BillFormatException}), not an outcome.
     *
     * @param periods the billing periods the file's charges start in; empty for a repeated file
     */
    public record Outcome(StoredImport stored, boolean repeated, SortedSet<BillingPeriod> periods) {
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    TransactionManager transactions;

    @Inject
    Clock clock;

    @Inject
    AuditLog audit;

    @Inject
    ImportReconciliations reconciliations;

    /**
     * Imports the file, audits it and schedules the reconciliation of each month it covers — all in
     * one transaction (up to an hour, for files of gigabytes), so an import is never half-recorded.
     *
     * @throws BillFormatException with the 1-based line of the first bad row; nothing is kept
     * @throws UncheckedIOException when the body cannot be read (e.g. broken gzip); nothing is kept
     */
    @Transactional
    @TransactionConfiguration(timeout = 3600)
    public Outcome importFile(String provider, InputStream body, String importedBy) {
        UUID id = UUID.randomUUID();
        try (Connection c = dataSource.getConnection(); BillImport bill = BillImport.open(body)) {
            SortedSet<BillingPeriod> periods = new TreeSet<>();
            try (BillLineCopy lines = BillLineCopy.open(c, id, provider)) {
                while (bill.hasNext()) {
                    BillLine line = bill.next();
                    periods.add(BillingPeriod.containing(line.chargePeriodStart()));
                    lines.add(line);
                }
                lines.finish();
            }
            String sha = bill.sha256();
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO bill_import (id, provider, sha256, format, line_count, imported_at, imported_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING""")) {
                ps.setObject(1, id);
                ps.setString(2, provider);
                ps.setString(3, sha);
                ps.setString(4, bill.format().name());
                ps.setLong(5, bill.lines());
                ps.setObject(6, SqlTime.utc(now));
                ps.setString(7, importedBy);
                if (ps.executeUpdate() == 0) {
                    transactions.setRollbackOnly(); // the same content was imported before: keep none of these lines
                    return new Outcome(findBySha(c, sha).orElseThrow(), true, new TreeSet<>());
                }
            }
            StoredImport stored = new StoredImport(id, provider, sha, bill.format().name(), bill.lines(), now, importedBy);
            audit.record("bill.imported", "bill-import", stored.id(), null,
                    Map.of("provider", provider, "sha256", sha, "format", stored.format(), "lines", stored.lines()));
            // Last, because scheduling takes Quartz's trigger lock, held until this transaction commits.
            reconciliations.schedule(stored.id(), provider, periods);
            return new Outcome(stored, false, periods);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store the bill", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SystemException e) {
            throw new IllegalStateException("cannot roll back the repeated import", e);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<StoredImport> find(UUID id) {
        List<StoredImport> found = query("SELECT * FROM bill_import WHERE id = ?", List.of(id));
        return found.stream().findFirst();
    }

    /** A page ordered by import time, {@code limit + 1} rows at most. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StoredImport> list(Optional<String> provider, PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM bill_import WHERE true");
        List<Object> args = new ArrayList<>();
        provider.ifPresent(p -> {
            sql.append(" AND provider = ?");
            args.add(p);
        });
        page.after().ifPresent(cur -> {
            sql.append(" AND (imported_at, id) > (?, ?)");
            args.add(SqlTime.utc(cur.createdAt()));
            args.add(cur.id());
        });
        sql.append(" ORDER BY imported_at, id LIMIT ").append(page.limit() + 1);
        return query(sql.toString(), args);
    }

    public static Cursor position(StoredImport s) {
        return new Cursor(s.importedAt(), s.id());
    }

    private Optional<StoredImport> findBySha(Connection c, String sha) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM bill_import WHERE sha256 = ?")) {
            ps.setString(1, sha);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(toImport(rs)) : Optional.empty();
            }
        }
    }

    private List<StoredImport> query(String sql, List<Object> args) {
        return Jdbc.query(dataSource, "bill imports", sql, args, BillImports::toImport);
    }

    private static StoredImport toImport(ResultSet rs) throws SQLException {
        return new StoredImport(rs.getObject("id", UUID.class), rs.getString("provider"), rs.getString("sha256"),
                rs.getString("format"), rs.getLong("line_count"), SqlTime.instant(rs, "imported_at"), rs.getString("imported_by"));
    }
}
