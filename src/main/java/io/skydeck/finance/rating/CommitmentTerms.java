package io.skydeck.finance.rating;

import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.rating.Commitment;
import io.skydeck.billing.rating.Rounding;
import io.skydeck.platform.problem.Problem.FieldError;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * A commitment as finance records it through the API. {@code type} is {@code reserved-capacity}
 * (region, meter, optional flavor, unitsPerHour, committedUnitPrice) or {@code spend}
 * (hourlyCommitment, discountRate: 0.30 = 30 % off); the fields of the other type must be absent.
 */
public record CommitmentTerms(UUID tenantId, String type, String provider, String region, String meter, String flavor,
                              BigDecimal unitsPerHour, BigDecimal committedUnitPrice, BigDecimal hourlyCommitment,
                              BigDecimal discountRate, String currency, Instant effectiveFrom, Instant effectiveTo) {

    static final String RESERVED_CAPACITY = "reserved-capacity";
    static final String SPEND = "spend";

    /** The engine's commitment under {@code id}, or null with every reason it cannot be one added to {@code errors}. */
    Commitment toCommitment(String id, List<FieldError> errors) {
        int before = errors.size();
        if (tenantId == null) {
            errors.add(new FieldError("tenantId", "is required"));
        }
        if (provider == null || !provider.matches("[a-z0-9][a-z0-9-]{0,63}")) {
            errors.add(new FieldError("provider", "the provider it was bought from, e.g. aws"));
        }
        if (currency == null || !currency.matches("[A-Z]{3}")) {
            errors.add(new FieldError("currency", "an ISO 4217 code such as USD"));
        }
        // Commitments apply hour by hour to hourly usage records; a bound inside an hour would
        // charge part of an hour as unused while covering none of its usage.
        boolean from = wholeHour(effectiveFrom, "effectiveFrom", errors);
        boolean to = wholeHour(effectiveTo, "effectiveTo", errors);
        if (from && to && !effectiveTo.isAfter(effectiveFrom)) {
            errors.add(new FieldError("effectiveTo", "must be after effectiveFrom"));
        }
        switch (type == null ? "" : type) {
            case RESERVED_CAPACITY -> {
                if (region == null || region.isBlank() || region.length() > 64 || region.equals("*")) {
                    errors.add(new FieldError("region", "the one region the capacity is reserved in (at most 64 characters)"));
                }
                meter(errors);
                if (flavor != null && flavor.length() > 64) {
                    errors.add(new FieldError("flavor", "at most 64 characters"));
                }
                positive(unitsPerHour, "unitsPerHour", errors);
                unitPrice(committedUnitPrice, "committedUnitPrice", errors);
                absent(hourlyCommitment, "hourlyCommitment", SPEND, errors);
                absent(discountRate, "discountRate", SPEND, errors);
            }
            case SPEND -> {
                if (positive(hourlyCommitment, "hourlyCommitment", errors)) {
                    unitPrice(hourlyCommitment, "hourlyCommitment", errors);
                }
                if (discountRate == null || discountRate.signum() < 0 || discountRate.compareTo(BigDecimal.ONE) >= 0) {
                    errors.add(new FieldError("discountRate", "a fraction from 0 up to (not including) 1, e.g. 0.30 for 30 % off"));
                }
                absent(region, "region", RESERVED_CAPACITY, errors);
                absent(meter, "meter", RESERVED_CAPACITY, errors);
                absent(flavor, "flavor", RESERVED_CAPACITY, errors);
                absent(unitsPerHour, "unitsPerHour", RESERVED_CAPACITY, errors);
                absent(committedUnitPrice, "committedUnitPrice", RESERVED_CAPACITY, errors);
            }
            default -> errors.add(new FieldError("type", "must be " + RESERVED_CAPACITY + " or " + SPEND));
        }
        if (errors.size() > before) {
            return null;
        }
        String owner = tenantId.toString();
        return type.equals(SPEND)
                ? new Commitment.SpendCommitment(id, owner, provider, hourlyCommitment, discountRate, currency, effectiveFrom, effectiveTo)
                : new Commitment.ReservedCapacity(id, owner, provider, region, Meter.valueOf(meter), flavor == null ? "" : flavor,
                        unitsPerHour, committedUnitPrice, currency, effectiveFrom, effectiveTo);
    }

    private void meter(List<FieldError> errors) {
        if (meter == null) {
            errors.add(new FieldError("meter", "is required"));
            return;
        }
        try {
            Meter.valueOf(meter);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError("meter", "must be one of " + List.of(Meter.values())));
        }
    }

    private static boolean wholeHour(Instant at, String field, List<FieldError> errors) {
        if (at == null) {
            errors.add(new FieldError(field, "is required"));
            return false;
        }
        if (!at.truncatedTo(ChronoUnit.HOURS).equals(at)) {
            errors.add(new FieldError(field, "must be on a whole hour (UTC)"));
            return false;
        }
        return true;
    }

    private static boolean positive(BigDecimal value, String field, List<FieldError> errors) {
        if (value == null || value.signum() <= 0) {
            errors.add(new FieldError(field, "must be greater than zero"));
            return false;
        }
        return true;
    }

    private static void unitPrice(BigDecimal value, String field, List<FieldError> errors) {
        if (value == null || value.signum() < 0) {
            errors.add(new FieldError(field, "is required and must not be negative"));
            return;
        }
        try {
            Rounding.unitPrice(value);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(field, "at most " + Rounding.UNIT_PRICE_SCALE + " decimals"));
        }
    }

    private static void absent(Object value, String field, String belongsTo, List<FieldError> errors) {
        if (value != null) {
            errors.add(new FieldError(field, "applies to " + belongsTo + " commitments only"));
        }
    }
}
