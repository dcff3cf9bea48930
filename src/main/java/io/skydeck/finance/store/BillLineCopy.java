package io.skydeck.finance.store;

import io.skydeck.billing.bills.BillLine;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;

/**
 * Bill lines into {@code bill_line} (migration V5) through one {@code COPY} ({@link CopyRows}), in
 * the caller's transaction: a bill import writes a whole file this way instead of a batched
 * {@code INSERT} per line. Open it, {@link #add} every line, then {@link #finish}; {@link #close}
 * without {@code finish} cancels the COPY.
 */
public final class BillLineCopy implements AutoCloseable {

    public static final String COLUMNS = "import_id, line_number, provider, billing_account_id, sub_account_id, resource_id,"
            + " service_name, usage_type, region, charge_category, charge_class, charge_period_start, charge_period_end, quantity,"
            + " unit, list_unit_price, list_cost, billed_cost, effective_cost, currency, commitment_discount_id,"
            + " commitment_discount_status, pricing_category";
    public static final String COPY = "COPY bill_line (" + COLUMNS + ") FROM STDIN";

    private final CopyRows rows;
    private final String importId;
    private final String provider;

    private BillLineCopy(CopyRows rows, UUID importId, String provider) {
        this.rows = rows;
        this.importId = importId.toString();
        this.provider = provider;
    }

    /** Starts the COPY on {@code c} (a pgjdbc connection, possibly wrapped by a pool). */
    public static BillLineCopy open(Connection c, UUID importId, String provider) throws SQLException {
        return new BillLineCopy(CopyRows.open(c, COPY), importId, provider);
    }

    public void add(BillLine l) throws SQLException {
        encode(rows, importId, provider, l);
    }

    /** Ends the COPY; returns the rows PostgreSQL stored. */
    public long finish() throws SQLException {
        return rows.finish();
    }

    @Override
    public void close() throws SQLException {
        rows.close();
    }

    /** The COPY text of one line (for a harness that encodes before it times PostgreSQL). */
    public static byte[] text(UUID importId, String provider, BillLine l) {
        CopyRows text = CopyRows.inMemory();
        try {
            encode(text, importId.toString(), provider, l);
        } catch (SQLException cannotHappen) {
            throw new IllegalStateException(cannotHappen);
        }
        return text.bytes();
    }

    private static void encode(CopyRows r, String importId, String provider, BillLine l) throws SQLException {
        r.text(importId).number(l.lineNumber()).text(provider).text(l.billingAccountId()).text(l.subAccountId())
                .text(l.resourceId()).text(l.serviceName()).text(l.usageType()).text(l.region()).text(l.chargeCategory())
                .text(l.chargeClass()).instant(l.chargePeriodStart()).instant(l.chargePeriodEnd()).number(l.quantity())
                .text(l.unit()).number(l.listUnitPrice()).number(l.listCost()).number(l.billedCost()).number(l.effectiveCost())
                .text(l.currency()).text(l.commitmentDiscountId()).text(l.commitmentDiscountStatus()).text(l.pricingCategory())
                .endRow();
    }
}
