package io.skydeck.billing.invoice;

import io.skydeck.billing.bills.CsvWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/** An invoice as CSV, one row per line, usage record ids joined with spaces. */
public final class InvoiceCsvWriter {

    public static final List<String> HEADER = List.of("InvoiceId", "TenantId", "Period", "Status", "LineId", "ChargeClass",
            "Kind", "Description", "Provider", "Region", "Meter", "Flavor", "ChargePeriodStart", "ChargePeriodEnd", "Quantity",
            "Unit", "UnitPrice", "Amount", "ListAmount", "Currency", "CorrectsInvoiceId", "UsageRecordIds");

    private InvoiceCsvWriter() {
    }

    public static void write(Invoice invoice, Writer out) {
        CsvWriter csv = new CsvWriter(out);
        csv.row(HEADER);
        for (InvoiceLine l : invoice.lines()) {
            List<String> row = new ArrayList<>(HEADER.size());
            row.add(invoice.id());
            row.add(invoice.tenantId());
            row.add(invoice.period().toString());
            row.add(invoice.status().name());
            row.add(l.id());
            row.add(l.chargeClass().name());
            row.add(l.kind().name());
            row.add(l.description());
            row.add(l.provider());
            row.add(l.region());
            row.add(l.meter() == null ? null : l.meter().name());
            row.add(l.flavor());
            row.add(l.chargePeriodStart().toString());
            row.add(l.chargePeriodEnd().toString());
            row.add(plain(l.quantity()));
            row.add(l.unit());
            row.add(plain(l.unitPrice()));
            row.add(plain(l.amount()));
            row.add(plain(l.listAmount()));
            row.add(l.currency());
            row.add(l.correctsInvoiceId());
            row.add(String.join(" ", l.usageRecordIds()));
            csv.row(row);
        }
        csv.flush();
    }

    static String plain(BigDecimal value) {
        return value == null ? null : value.toPlainString();
    }
}
