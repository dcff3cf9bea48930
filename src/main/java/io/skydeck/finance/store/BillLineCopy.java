package io.skydeck.finance.store;

import io.skydeck.billing.bills.BillLine;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Streams bill lines into {@code bill_line} (migration V5) with one {@code COPY ... FROM STDIN}, in
 * the caller's transaction: a bill import writes a whole file this way instead of a batched
 * {@code INSERT} per line. Rows are encoded in COPY's text format straight into a reused buffer and
 * sent every {@value #FLUSH_AT} bytes, so a file of any size takes constant memory.
 *
 * <p>Open it, {@link #add} every line, then {@link #finish}; {@link #close} without {@code finish}
 * cancels the COPY (the caller's transaction then rolls back). While it is open the connection can
 * run nothing else.
 */
public final class BillLineCopy implements AutoCloseable {

    public static final String COLUMNS = "import_id, line_number, provider, billing_account_id, sub_account_id, resource_id,"
            + " service_name, usage_type, region, charge_category, charge_class, charge_period_start, charge_period_end, quantity,"
            + " unit, list_unit_price, list_cost, billed_cost, effective_cost, currency, commitment_discount_id,"
            + " commitment_discount_status, pricing_category";
    public static final String COPY = "COPY bill_line (" + COLUMNS + ") FROM STDIN";

    static final int FLUSH_AT = 256 * 1024;

    private final CopyIn in;
    private final String importId;
    private final String provider;
    private byte[] buf;
    private int size;
    private long rows;

    private BillLineCopy(CopyIn in, UUID importId, String provider, int buffer) {
        this.in = in;
        this.buf = new byte[buffer];
        this.importId = importId.toString();
        this.provider = provider;
    }

    /** Starts the COPY on {@code c} (a pgjdbc connection, possibly wrapped by a pool). */
    public static BillLineCopy open(Connection c, UUID importId, String provider) throws SQLException {
        return new BillLineCopy(c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY), importId, provider, FLUSH_AT + 8192);
    }

    public void add(BillLine l) throws SQLException {
        encode(importId, provider, l);
        if (size >= FLUSH_AT) {
            flush();
        }
    }

    /** Ends the COPY; returns the rows PostgreSQL stored. */
    public long finish() throws SQLException {
        flush();
        return in.endCopy();
    }

    public long rows() {
        return rows;
    }

    @Override
    public void close() throws SQLException {
        if (in.isActive()) {
            in.cancelCopy();
        }
    }

    /** The COPY text of one line (for a harness that encodes before it times PostgreSQL). */
    public static byte[] text(UUID importId, String provider, BillLine l) {
        BillLineCopy encoder = new BillLineCopy(null, importId, provider, 512);
        encoder.encode(importId.toString(), provider, l);
        return Arrays.copyOf(encoder.buf, encoder.size);
    }

    private void flush() throws SQLException {
        if (size > 0) {
            in.writeToCopy(buf, 0, size);
            size = 0;
        }
    }

    private void encode(String id, String providerName, BillLine l) {
        text(id);
        tab();
        text(Long.toString(l.lineNumber()));
        tab();
        text(providerName);
        tab();
        text(l.billingAccountId());
        tab();
        text(l.subAccountId());
        tab();
        text(l.resourceId());
        tab();
        text(l.serviceName());
        tab();
        text(l.usageType());
        tab();
        text(l.region());
        tab();
        text(l.chargeCategory());
        tab();
        text(l.chargeClass());
        tab();
        instant(l.chargePeriodStart());
        tab();
        instant(l.chargePeriodEnd());
        tab();
        number(l.quantity());
        tab();
        text(l.unit());
        tab();
        number(l.listUnitPrice());
        tab();
        number(l.listCost());
        tab();
        number(l.billedCost());
        tab();
        number(l.effectiveCost());
        tab();
        text(l.currency());
        tab();
        text(l.commitmentDiscountId());
        tab();
        text(l.commitmentDiscountStatus());
        tab();
        text(l.pricingCategory());
        put((byte) '\n');
        rows++;
    }

    private void instant(Instant t) {
        text(t == null ? null : t.toString());
    }

    private void number(BigDecimal n) {
        text(n == null ? null : n.toPlainString());
    }

    private void tab() {
        put((byte) '\t');
    }

    /** COPY text: {@code \N} for null; backslash, tab, newline and carriage return escaped; UTF-8. */
    private void text(String s) {
        if (s == null) {
            put((byte) '\\');
            put((byte) 'N');
            return;
        }
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            if (ch >= 0x80 || ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r') {
                escaped(s, i);
                return;
            }
            buf[size++] = (byte) ch;
        }
    }

    private void escaped(String s, int from) {
        StringBuilder sb = new StringBuilder(s.length() - from + 8);
        for (int i = from; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                default -> sb.append(ch);
            }
        }
        byte[] utf8 = sb.toString().getBytes(StandardCharsets.UTF_8);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, buf, size, utf8.length);
        size += utf8.length;
    }

    private void put(byte b) {
        ensure(1);
        buf[size++] = b;
    }

    private void ensure(int more) {
        if (size + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
        }
    }
}
