package io.skydeck.billing.invoice;

import io.skydeck.billing.bills.CsvWriter;
import io.skydeck.billing.rating.ChargeKind;
import java.io.Writer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A tenant's invoiced charges as a FOCUS 1.2 CSV file.
 *
 * <p>The first 21 columns are every column the FOCUS 1.2 specification marks Mandatory (checked
 * against the specification's column definitions, "Feature level: Mandatory"), in the spec's
 * alphabetical order; then Recommended/Conditional columns Skydeck can fill; then custom
 * {@code x_} columns, as the spec allows, that carry the trace back to usage records.
 *
 * <p>Seen from the tenant, Skydeck is the provider and the invoice issuer; the cloud underneath
 * (aws, openstack, kubernetes) is the publisher. Skydeck bills commitments monthly, so billed and
 * effective cost are equal (nothing is amortised), and there is no negotiated discount apart from
 * commitments, so contracted cost equals billed cost.
 */
public final class FocusChargesWriter {

    public static final List<String> MANDATORY_COLUMNS = List.of(
            "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
            "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
            "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
            "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName");

    public static final List<String> OTHER_COLUMNS = List.of(
            "ChargeFrequency", "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountStatus",
            "ConsumedQuantity", "ConsumedUnit", "ContractedUnitPrice", "InvoiceId", "ListUnitPrice", "PricingCategory",
            "RegionId", "SkuId", "x_SkydeckChargeKind", "x_CorrectsInvoiceId", "x_UsageRecordIds");

    private static final String SKYDECK = "Skydeck";

    private FocusChargesWriter() {
    }

    public static List<String> header() {
        List<String> h = new ArrayList<>(MANDATORY_COLUMNS);
        h.addAll(OTHER_COLUMNS);
        return h;
    }

    /** Writes every line of the tenant's invoices; {@code commitmentCategories} maps commitment id → Usage/Spend. */
    public static void write(String tenantName, Collection<Invoice> invoices, Map<String, String> commitmentCategories, Writer out) {
        CsvWriter csv = new CsvWriter(out);
        List<String> header = header();
        csv.row(header);
        for (Invoice inv : invoices) {
            for (InvoiceLine l : inv.lines()) {
                Map<String, String> v = new java.util.HashMap<>();
                boolean commitment = Invoicer.isCommitment(l.kind());
                v.put("BilledCost", l.amount().toPlainString());
                v.put("BillingAccountId", inv.tenantId());
                v.put("BillingAccountName", tenantName);
                v.put("BillingCurrency", inv.currency());
                v.put("BillingPeriodEnd", inv.period().end().toString());
                v.put("BillingPeriodStart", inv.period().start().toString());
                v.put("ChargeCategory", l.kind() == ChargeKind.FIXED_FEE ? "Purchase" : "Usage");
                v.put("ChargeClass", l.chargeClass().focusValue());
                v.put("ChargeDescription", l.description());
                v.put("ChargePeriodEnd", l.chargePeriodEnd().toString());
                v.put("ChargePeriodStart", l.chargePeriodStart().toString());
                v.put("ContractedCost", l.amount().toPlainString());
                v.put("EffectiveCost", l.amount().toPlainString());
                v.put("InvoiceIssuerName", SKYDECK);
                v.put("ListCost", l.listAmount().toPlainString());
                v.put("PricingQuantity", l.quantity().toPlainString());
                v.put("PricingUnit", l.unit());
                v.put("ProviderName", SKYDECK);
                v.put("PublisherName", l.provider());
                v.put("ServiceCategory", l.meter() == null ? "Other" : l.meter().serviceCategory());
                v.put("ServiceName", l.meter() == null ? "Commitments" : l.meter().serviceName());
                v.put("ChargeFrequency", l.kind() == ChargeKind.USAGE ? "Usage-Based" : "Recurring");
                if (commitment) {
                    v.put("CommitmentDiscountCategory", commitmentCategories.getOrDefault(l.commitmentId(), l.meter() == null ? "Spend" : "Usage"));
                    v.put("CommitmentDiscountId", l.commitmentId());
                    v.put("CommitmentDiscountStatus", l.kind() == ChargeKind.COMMITMENT_USED ? "Used" : "Unused");
                }
                if (l.kind() == ChargeKind.USAGE || l.kind() == ChargeKind.COMMITMENT_USED) {
                    v.put("ConsumedQuantity", l.quantity().toPlainString());
                    v.put("ConsumedUnit", l.unit());
                }
                v.put("ContractedUnitPrice", l.unitPrice().toPlainString());
                v.put("InvoiceId", inv.id());
                v.put("ListUnitPrice", null);
                v.put("PricingCategory", commitment ? "Committed" : "Standard");
                v.put("RegionId", l.region());
                v.put("SkuId", l.meter() == null ? null : l.meter().name() + (l.flavor() == null || l.flavor().isEmpty() ? "" : ":" + l.flavor()));
                v.put("x_SkydeckChargeKind", l.kind().name());
                v.put("x_CorrectsInvoiceId", l.correctsInvoiceId());
                v.put("x_UsageRecordIds", String.join(" ", l.usageRecordIds()));
                csv.row(header.stream().map((Function<String, String>) v::get).toList());
            }
        }
        csv.flush();
    }
}
