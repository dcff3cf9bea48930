package io.skydeck.finance;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.platform.problem.ProblemException;

import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Reads a billing period ("2026-10") from a request, with a 400 that names the field. */
public final class BillingPeriods {

    private BillingPeriods() {
    }

    public static BillingPeriod required(String field, String value) {
        return optional(field, value).orElseThrow(() -> ProblemException.invalid(field, "is required (YYYY-MM)"));
    }

    public static Optional<BillingPeriod> optional(String field, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            if (!value.matches("\\d{4}-\\d{2}")) {
                throw new DateTimeParseException("not YYYY-MM", value, 0);
            }
            return Optional.of(new BillingPeriod(YearMonth.parse(value)));
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid(field, "must be a month as YYYY-MM");
        }
    }
}
