package io.skydeck.billing.bills;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps one file's header onto {@link BillLine} fields and converts rows.
 *
 * <p>Header names are compared after lower-casing and dropping '/' and '_': legacy CUR
 * {@code lineItem/UsageAccountId} and CUR 2.0 {@code line_item_usage_account_id} then become the
 * same key, so one table serves both generations (likewise {@code reservation/ReservationARN} and
 * {@code reservation_reservation_a_r_n}).
 */
final class BillColumns {

    private final BillFormat format;
    private final int width;
    private final Map<String, Integer> index = new HashMap<>();
    /** Column position by the name the code asks for (-1: not in this file), so a row never re-normalises a name. */
    private final Map<String, Integer> byName = new HashMap<>();

    BillColumns(BillFormat format, List<String> header) {
        this.format = format;
        this.width = header.size();
        for (int i = 0; i < header.size(); i++) {
            index.putIfAbsent(normalise(header.get(i)), i);
        }
        List<String> required = format == BillFormat.FOCUS
                ? List.of("BilledCost", "ChargePeriodStart", "ChargePeriodEnd")
                : List.of("lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate", "lineItem/UnblendedCost");
        for (String name : required) {
            if (!index.containsKey(normalise(name))) {
                throw new BillFormatException(1, "required column " + name + " is missing from the header");
            }
        }
    }

    static String normalise(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (char c : name.strip().toCharArray()) {
            if (c != '/' && c != '_' && c != '\uFEFF') {
                sb.append(Character.toLowerCase(c));
            }
        }
        return sb.toString();
    }

    BillLine toLine(long lineNumber, List<String> row) {
        if (row.size() != width) {
            throw new BillFormatException(lineNumber, "expected " + width + " fields as in the header, found " + row.size());
        }
        Row r = new Row(lineNumber, row);
        return format == BillFormat.FOCUS ? focus(r) : cur(r);
    }

    private BillLine focus(Row r) {
        BigDecimal billed = r.decimal(true, "BilledCost");
        BigDecimal effective = r.decimal(false, "EffectiveCost");
        String usageType = r.text("SkuMeter");
        if (usageType == null) {
            usageType = r.text("SkuId");
        }
        if (usageType == null) {
            usageType = r.text("ConsumedUnit");
        }
        return new BillLine(r.lineNumber, format, r.text("ProviderName", "Provider"), r.text("BillingAccountId"),
                r.text("SubAccountId"), r.text("ResourceId"), r.text("ServiceName"), usageType, r.text("RegionId", "Region"),
                r.text("ChargeCategory"), r.text("ChargeClass"), r.instant(true, "ChargePeriodStart"),
                r.instant(true, "ChargePeriodEnd"), r.decimal(false, "ConsumedQuantity"), r.text("ConsumedUnit"),
                r.decimal(false, "ListUnitPrice"), r.decimal(false, "ListCost"), billed, effective != null ? effective : billed,
                r.text("BillingCurrency"), r.text("CommitmentDiscountId"), r.text("CommitmentDiscountStatus"),
                r.text("PricingCategory"));
    }

    private BillLine cur(Row r) {
        String type = r.text("lineItem/LineItemType");
        BigDecimal billed = r.decimal(true, "lineItem/UnblendedCost");
        BigDecimal effective = billed;
        String commitmentId = null;
        String status = null;
        String category;
        String pricing = "Standard";
        switch (type == null ? "" : type) {
            case "Usage" -> category = "Usage";
            case "DiscountedUsage" -> {
                category = "Usage";
                effective = orElse(r.decimal(false, "reservation/EffectiveCost"), billed);
                commitmentId = r.text("reservation/ReservationARN");
                status = "Used";
                pricing = "Committed";
            }
            case "SavingsPlanCoveredUsage" -> {
                category = "Usage";
                effective = orElse(r.decimal(false, "savingsPlan/SavingsPlanEffectiveCost"), billed);
                commitmentId = r.text("savingsPlan/SavingsPlanARN");
                status = "Used";
                pricing = "Committed";
            }
            // The negation cancels the on-demand cost of covered usage; its effective cost is none.
            case "SavingsPlanNegation" -> {
                category = "Credit";
                effective = BigDecimal.ZERO;
            }
            case "Tax" -> category = "Tax";
            case "Credit", "Refund", "BundledDiscount", "EdpDiscount", "PrivateRateDiscount", "DistributorDiscount" -> category = "Credit";
            case "Fee", "RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee" -> category = "Purchase";
            default -> throw new BillFormatException(r.lineNumber, "unknown lineItem/LineItemType '" + type + "'");
        }
        return new BillLine(r.lineNumber, format, "aws", r.text("bill/PayerAccountId"), r.text("lineItem/UsageAccountId"),
                r.text("lineItem/ResourceId"), r.text("lineItem/ProductCode"), r.text("lineItem/UsageType"),
                r.text("product/region", "product/regionCode", "product_region_code"), category, null,
                r.instant(true, "lineItem/UsageStartDate"), r.instant(true, "lineItem/UsageEndDate"),
                r.decimal(false, "lineItem/UsageAmount"), r.text("pricing/unit"), r.decimal(false, "pricing/publicOnDemandRate"),
                r.decimal(false, "pricing/publicOnDemandCost"), billed, effective, r.text("lineItem/CurrencyCode"),
                commitmentId, status, pricing);
    }

    private static BigDecimal orElse(BigDecimal value, BigDecimal fallback) {
        return value != null ? value : fallback;
    }

    /** Typed access to one row's fields, with errors that name the line and the column. */
    private final class Row {
        final long lineNumber;
        final List<String> fields;

        Row(long lineNumber, List<String> fields) {
            this.lineNumber = lineNumber;
            this.fields = fields;
        }

        String text(String... names) {
            for (String name : names) {
                int i = byName.computeIfAbsent(name, n -> index.getOrDefault(normalise(n), -1));
                if (i >= 0) {
                    String v = fields.get(i).strip();
                    if (!v.isEmpty() && !v.equalsIgnoreCase("null")) {
                        return v;
                    }
                }
            }
            return null;
        }

        BigDecimal decimal(boolean required, String name) {
            String v = text(name);
            if (v == null) {
                if (required) {
                    throw new BillFormatException(lineNumber, "column " + name + " is empty");
                }
                return null;
            }
            try {
                return new BigDecimal(v);
            } catch (NumberFormatException e) {
                throw new BillFormatException(lineNumber, "column " + name + ": '" + v + "' is not a decimal number");
            }
        }

        Instant instant(boolean required, String name) {
            String v = text(name);
            if (v == null) {
                if (required) {
                    throw new BillFormatException(lineNumber, "column " + name + " is empty");
                }
                return null;
            }
            Instant parsed = parseInstant(v);
            if (parsed == null) {
                throw new BillFormatException(lineNumber, "column " + name + ": '" + v + "' is not a date-time (ISO 8601, UTC)");
            }
            return parsed;
        }
    }

    /**
     * The shape nearly every bill line has, {@code 2024-01-31T22:00:00Z}, read without a formatter
     * (a CUR has two per line, a million lines per file); null for anything else, which then takes
     * the general path.
     */
    static Instant parseUtcSeconds(String v) {
        if (v.length() != 20 || v.charAt(4) != '-' || v.charAt(7) != '-' || v.charAt(10) != 'T' || v.charAt(13) != ':'
                || v.charAt(16) != ':' || v.charAt(19) != 'Z') {
            return null;
        }
        int year = digits(v, 0, 4);
        int month = digits(v, 5, 2);
        int day = digits(v, 8, 2);
        int hour = digits(v, 11, 2);
        int minute = digits(v, 14, 2);
        int second = digits(v, 17, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59
                || second < 0 || second > 59) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second).toInstant(ZoneOffset.UTC);
        } catch (java.time.DateTimeException e) {
            return null; // 2024-02-30 and the like: the general path rejects it too
        }
    }

    private static int digits(String v, int from, int count) {
        int n = 0;
        for (int i = from; i < from + count; i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** ISO instants with or without offset, "yyyy-MM-dd HH:mm:ss" (CUR 2.0 exports) and plain dates, all UTC. */
    static Instant parseInstant(String v) {
        Instant utc = parseUtcSeconds(v);
        if (utc != null) {
            return utc;
        }
        try {
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException ignored) {
            // try the next shape
        }
        try {
            return LocalDateTime.parse(v.replace(' ', 'T').toUpperCase(Locale.ROOT)).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            // try the next shape
        }
        try {
            return LocalDate.parse(v).atStartOfDay().toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
