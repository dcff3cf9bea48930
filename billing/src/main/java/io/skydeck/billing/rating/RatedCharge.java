package io.skydeck.billing.rating;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * One priced line of a tenant's period, ready to become an invoice line.
 *
 * @param meter          {@code null} for spend-commitment charges, which are not about one meter
 * @param rateCardRef    "id@version" of the card that priced it; {@code null} for commitments
 * @param commitmentId   the commitment a COMMITMENT_* charge belongs to
 * @param quantity       in {@code unit}, scale 9 (display; the amount was computed exactly)
 * @param unitPrice      amount ÷ quantity at scale 10 (display)
 * @param amount         what the tenant pays, scale 2, rounded once (see {@link Rounding})
 * @param listAmount     what the same usage would cost on demand, scale 2; amount and list
 *                       amount differ by the commitment discount
 * @param usageRecordIds the usage records this charge was computed from, sorted
 */
public record RatedCharge(
        String id,
        String tenantId,
        BillingPeriod period,
        ChargeKind kind,
        String provider,
        String region,
        Meter meter,
        String flavor,
        String rateCardRef,
        String commitmentId,
        BigDecimal quantity,
        String unit,
        BigDecimal unitPrice,
        BigDecimal amount,
        BigDecimal listAmount,
        String currency,
        List<String> usageRecordIds) {

    public RatedCharge {
        Objects.requireNonNull(kind, "kind");
        if (amount.scale() != Rounding.AMOUNT_SCALE || listAmount.scale() != Rounding.AMOUNT_SCALE) {
            throw new IllegalArgumentException("charge amounts must have scale " + Rounding.AMOUNT_SCALE);
        }
        usageRecordIds = List.copyOf(usageRecordIds);
    }

    /** Deterministic id: the same inputs always give the same charge ids. */
    static String stableId(String tenantId, BillingPeriod period, ChargeKind kind, String provider, String region,
                           Meter meter, String flavor, String rateCardRef, String commitmentId) {
        String name = String.join("|", tenantId, period.toString(), kind.name(), String.valueOf(provider),
                String.valueOf(region), String.valueOf(meter), String.valueOf(flavor), String.valueOf(rateCardRef),
                String.valueOf(commitmentId));
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** The key that identifies "the same charge" across re-ratings, for corrections. */
    public String lineKey() {
        return String.join("|", kind.name(), String.valueOf(provider), String.valueOf(region), String.valueOf(meter),
                String.valueOf(flavor), String.valueOf(rateCardRef), String.valueOf(commitmentId));
    }
}
