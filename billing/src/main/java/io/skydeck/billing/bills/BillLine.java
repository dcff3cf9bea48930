package io.skydeck.billing.bills;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * One line of a provider bill, normalised to FOCUS meanings whatever the file format was.
 *
 * @param lineNumber               1-based line in the file where the row starts
 * @param provider                 "aws" for CUR; FOCUS ProviderName otherwise (may be null)
 * @param resourceId               provider resource id (null for account-level charges)
 * @param usageType                what was used, as the provider names it: CUR
 *                                 {@code lineItem/UsageType}, FOCUS SkuMeter, SkuId or ConsumedUnit
 * @param chargeCategory           FOCUS ChargeCategory: Usage, Purchase, Tax, Credit, Adjustment
 * @param chargeClass              "Correction" or null
 * @param quantity                 consumed quantity (null when the row has none)
 * @param listCost                 public on-demand cost (null when absent)
 * @param billedCost               what the invoice charges for the row
 * @param effectiveCost            amortised cost after commitment discounts; equals billedCost
 *                                 when the file does not say otherwise
 * @param commitmentDiscountStatus "Used", "Unused" or null
 */
public record BillLine(
        long lineNumber,
        BillFormat format,
        String provider,
        String billingAccountId,
        String subAccountId,
        String resourceId,
        String serviceName,
        String usageType,
        String region,
        String chargeCategory,
        String chargeClass,
        Instant chargePeriodStart,
        Instant chargePeriodEnd,
        BigDecimal quantity,
        String unit,
        BigDecimal listUnitPrice,
        BigDecimal listCost,
        BigDecimal billedCost,
        BigDecimal effectiveCost,
        String currency,
        String commitmentDiscountId,
        String commitmentDiscountStatus,
        String pricingCategory) {

    public boolean coveredByCommitment() {
        return commitmentDiscountId != null;
    }
}
