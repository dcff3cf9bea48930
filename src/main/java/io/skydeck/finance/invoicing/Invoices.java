package io.skydeck.finance.invoicing;

import io.skydeck.finance.Jdbc;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.invoice.Invoice;
import io.skydeck.billing.invoice.InvoiceLine;
import io.skydeck.billing.invoice.InvoiceStatus;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.finance.FinanceJson;
import io.skydeck.finance.SqlTime;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Invoices in the {@code invoice} table. A draft is replaced as a whole; finalizing is a single
 * conditional UPDATE from DRAFT, and a trigger refuses any later change of a finalized row.
 */
@ApplicationScoped
public class Invoices {

    /** An invoice and how many usage records no rate card priced when it was drafted. */
    public record StoredInvoice(Invoice invoice, int unratedRecords, Instant updatedAt) {
    }

    private static final TypeReference<List<InvoiceLine>> LINES = new TypeReference<>() { };

    @Inject
    AgroalDataSource dataSource;

    @Inject
    ObjectMapper json;

    @Transactional(Transactional.TxType.MANDATORY)
    public void saveDraft(Invoice draft, int unratedRecords, Instant now) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO invoice (id, tenant_id, billing_period, currency, status, total, unrated_records, lines, created_at,
                    updated_at) VALUES (?, ?, ?, ?, 'DRAFT', ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET currency = EXCLUDED.currency, total = EXCLUDED.total,
                    unrated_records = EXCLUDED.unrated_records, lines = EXCLUDED.lines, updated_at = EXCLUDED.updated_at""")) {
            ps.setString(1, draft.id());
            ps.setObject(2, UUID.fromString(draft.tenantId()));
            ps.setString(3, draft.period().toString());
            ps.setString(4, draft.currency());
            ps.setBigDecimal(5, draft.total());
            ps.setInt(6, unratedRecords);
            ps.setString(7, FinanceJson.write(json, draft.lines()));
            ps.setObject(8, SqlTime.utc(draft.createdAt().truncatedTo(ChronoUnit.MICROS)));
            ps.setObject(9, SqlTime.utc(now.truncatedTo(ChronoUnit.MICROS)));
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot store invoice " + draft.id(), e);
        }
    }

    /** Finalizes a draft; false when it was not a draft (any more). */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean markFinalized(String id, Instant at) {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "UPDATE invoice SET status = 'FINALIZED', finalized_at = ?, updated_at = ? WHERE id = ? AND status = 'DRAFT'")) {
            ps.setObject(1, SqlTime.utc(at.truncatedTo(ChronoUnit.MICROS)));
            ps.setObject(2, SqlTime.utc(at.truncatedTo(ChronoUnit.MICROS)));
            ps.setString(3, id);
            return ps.executeUpdate() == 1;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot finalize invoice " + id, e);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<StoredInvoice> find(String id) {
        return query("SELECT * FROM invoice WHERE id = ?", List.of(id)).stream().findFirst();
    }

    /** All invoices of a tenant in period order: what corrections are computed against. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StoredInvoice> ofTenant(UUID tenantId) {
        return query("SELECT * FROM invoice WHERE tenant_id = ? ORDER BY billing_period", List.of(tenantId));
    }

    /** A page ordered by (period, id), {@code limit + 1} rows at most. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StoredInvoice> list(Optional<UUID> tenantId, Optional<BillingPeriod> period, Optional<InvoiceStatus> status,
                                    PageRequest page) {
        StringBuilder sql = new StringBuilder("SELECT * FROM invoice WHERE true");
        List<Object> args = new ArrayList<>();
        tenantId.ifPresent(t -> {
            sql.append(" AND tenant_id = ?");
            args.add(t);
        });
        period.ifPresent(p -> {
            sql.append(" AND billing_period = ?");
            args.add(p.toString());
        });
        status.ifPresent(s -> {
            sql.append(" AND status = ?");
            args.add(s.name());
        });
        page.after().ifPresent(cur -> {
            sql.append(" AND (billing_period, id) > (?, ?)");
            args.add(BillingPeriod.containing(cur.createdAt()).toString());
            args.add("inv-" + cur.id());
        });
        sql.append(" ORDER BY billing_period, id LIMIT ").append(page.limit() + 1);
        return query(sql.toString(), args);
    }

    /** Invoice ids are "inv-" + a UUID (see Invoicer.invoiceId), so the cursor can carry them. */
    public static Cursor position(StoredInvoice s) {
        return new Cursor(s.invoice().period().start(), UUID.fromString(s.invoice().id().substring(4)));
    }

    private List<StoredInvoice> query(String sql, List<Object> args) {
        return Jdbc.query(dataSource, "invoices", sql, args, rs -> {
            Invoice invoice = new Invoice(rs.getString("id"), rs.getObject("tenant_id").toString(),
                    new BillingPeriod(YearMonth.parse(rs.getString("billing_period"))), rs.getString("currency"),
                    InvoiceStatus.valueOf(rs.getString("status")), FinanceJson.read(json, rs.getString("lines"), LINES),
                    SqlTime.instant(rs, "created_at"), SqlTime.instant(rs, "finalized_at"));
            return new StoredInvoice(invoice, rs.getInt("unrated_records"), SqlTime.instant(rs, "updated_at"));
        });
    }
}
