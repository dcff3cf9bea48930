package io.skydeck.billing.bills;

import java.util.List;

/** The kinds of provider bill file Skydeck reads, recognised from the header row. */
public enum BillFormat {
    /** AWS Cost and Usage Report, legacy column names such as {@code lineItem/UsageAccountId}. */
    CUR_LEGACY,
    /** AWS CUR 2.0 (Data Exports), column names such as {@code line_item_usage_account_id}. */
    CUR_2,
    /** FinOps FOCUS 1.0 – 1.2 CSV. */
    FOCUS;

    public static BillFormat detect(List<String> header) {
        boolean slash = false;
        boolean lineItem = false;
        boolean billedCost = false;
        for (String h : header) {
            String name = h.strip();
            slash |= name.startsWith("lineItem/");
            lineItem |= name.startsWith("line_item_");
            billedCost |= name.equals("BilledCost");
        }
        if (slash) {
            return CUR_LEGACY;
        }
        if (lineItem) {
            return CUR_2;
        }
        if (billedCost) {
            return FOCUS;
        }
        throw new BillFormatException(1, "the header is neither AWS CUR (lineItem/… or line_item_…) nor FOCUS (BilledCost)");
    }
}
