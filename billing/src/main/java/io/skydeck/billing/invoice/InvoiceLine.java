package io.skydeck.billing.invoice;

import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.rating.ChargeKind;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One line of an invoice. A plain record of strings, numbers and instants so that it serialises
 * to JSON as it is.
 *
 * @param chargePeriodStart start of the period the charge is for; for a correction line, the
 *                          period of the corrected invoice, not of the invoice that carries it
 * @param correctsInvoiceId for a correction line: the finalized invoice it corrects
 * @param usageRecordIds    the usage records the line was computed from
 * @param lineKey           identifies "the same charge" across re-ratings (see RatedCharge)
 */
public record InvoiceLine(
        String id,
        ChargeClass chargeClass,
        ChargeKind kind,
        String description,
        String provider,
        String region,
        Meter meter,
        String flavor,
        String rateCardRef,
        String commitmentId,
        Instant chargePeriodStart,
        Instant chargePeriodEnd,
        BigDecimal quantity,
        String unit,
        BigDecimal unitPrice,
        BigDecimal amount,
        BigDecimal listAmount,
        String currency,
        List<String> usageRecordIds,
        String correctsInvoiceId,
        String lineKey) {

    public InvoiceLine {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(chargeClass, "chargeClass");
        usageRecordIds = List.copyOf(usageRecordIds);
        if ((chargeClass == ChargeClass.CORRECTION) != (correctsInvoiceId != null)) {
            throw new IllegalArgumentException("a correction line, and only one, names the invoice it corrects");
        }
    }
}
