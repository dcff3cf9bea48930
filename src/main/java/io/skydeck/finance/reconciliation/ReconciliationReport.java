package io.skydeck.finance.reconciliation;

import io.skydeck.billing.bills.CsvWriter;
import io.skydeck.billing.reconciliation.Totals;

import java.io.Writer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A run as a CSV file (one row per discrepancy) and as a page a person can read. */
final class ReconciliationReport {

    static final List<String> CSV_HEADER = List.of("Seq", "Kind", "ResourceId", "UsageType", "PeriodStart", "TenantId", "Service",
            "SkydeckQuantity", "ProviderQuantity", "SkydeckListCost", "SkydeckEffectiveCost", "ProviderListCost",
            "ProviderEffectiveCost", "CommitmentId");

    private ReconciliationReport() {
    }

    static List<String> csvRow(DiscrepancyRow r) {
        List<String> row = new ArrayList<>(CSV_HEADER.size());
        row.add(String.valueOf(r.seq()));
        row.add(r.kind().name());
        row.add(r.resourceId());
        row.add(r.usageType());
        row.add(r.periodStart().toString());
        row.add(r.tenantId());
        row.add(r.service());
        row.add(plain(r.skydeckQuantity()));
        row.add(plain(r.providerQuantity()));
        row.add(plain(r.skydeckListCost()));
        row.add(plain(r.skydeckEffectiveCost()));
        row.add(plain(r.providerListCost()));
        row.add(plain(r.providerEffectiveCost()));
        row.add(r.commitmentId());
        return row;
    }

    static CsvWriter csv(Writer out) {
        CsvWriter csv = new CsvWriter(out);
        csv.row(CSV_HEADER);
        return csv;
    }

    /** The summary, the totals and the differences (matches left out: they need no reading). */
    static String html(ReconciliationRuns.RunView run, List<DiscrepancyRow> differences, boolean truncated) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Reconciliation ")
                .append(esc(run.provider())).append(' ').append(esc(run.period())).append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}")
                .append("th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}td.n{text-align:right}")
                .append("</style></head><body>");
        h.append("<h1>Reconciliation of ").append(esc(run.provider())).append(", ").append(esc(run.period())).append("</h1>");
        h.append("<p>Run <code>").append(esc(run.id())).append("</code> by ").append(esc(run.createdBy())).append(", ")
                .append(run.startedAt()).append(" – ").append(run.finishedAt()).append(", granularity ")
                .append(esc(run.granularity())).append(". Metered lines ").append(run.meteredLinesRead()).append(", bill lines ")
                .append(run.billLinesRead()).append(" (").append(run.accountLevelLines()).append(" account-level).</p>");
        h.append("<p><strong>").append(run.reconciledAt() == null ? "Not yet marked reconciled."
                : "Marked reconciled by " + esc(run.reconciledBy()) + " at " + run.reconciledAt() + ".").append("</strong></p>");
        h.append("<h2>Outcomes</h2><table><tr><th>kind</th><th>keys</th></tr>");
        run.counts().forEach((k, n) -> h.append("<tr><td>").append(esc(k)).append("</td><td class=\"n\">").append(n).append("</td></tr>"));
        h.append("</table>");
        totals(h, "By provider", run.totals().get("byProvider"));
        totals(h, "By tenant", run.totals().get("byTenant"));
        totals(h, "By service", run.totals().get("byService"));
        h.append("<h2>Differences</h2>");
        if (differences.isEmpty()) {
            h.append("<p>None: every key matched.</p>");
        } else {
            h.append("<table><tr>");
            CSV_HEADER.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
            h.append("</tr>");
            for (DiscrepancyRow r : differences) {
                h.append("<tr>");
                csvRow(r).forEach(v -> h.append("<td>").append(v == null ? "" : esc(v)).append("</td>"));
                h.append("</tr>");
            }
            h.append("</table>");
            if (truncated) {
                h.append("<p>Only the first ").append(differences.size()).append(" differences are shown; report.csv has all.</p>");
            }
        }
        return h.append("</body></html>").toString();
    }

    private static void totals(StringBuilder h, String title, Map<String, Totals> totals) {
        h.append("<h2>").append(esc(title)).append("</h2><table><tr><th></th><th>Skydeck list</th><th>Skydeck effective</th>")
                .append("<th>provider list</th><th>provider effective</th><th>provider − Skydeck</th></tr>");
        if (totals != null) {
            totals.forEach((name, t) -> h.append("<tr><td>").append(esc(name)).append("</td>")
                    .append(cell(t.skydeckList())).append(cell(t.skydeckEffective())).append(cell(t.providerList()))
                    .append(cell(t.providerEffective())).append(cell(t.effectiveDifference())).append("</tr>"));
        }
        h.append("</table>");
    }

    private static String cell(BigDecimal v) {
        return "<td class=\"n\">" + (v == null ? "" : plain(v)) + "</td>";
    }

    private static String plain(BigDecimal v) {
        return v == null ? null : v.stripTrailingZeros().toPlainString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
