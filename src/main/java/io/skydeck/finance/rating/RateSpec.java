package io.skydeck.finance.rating;

import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.rating.Price;
import io.skydeck.billing.rating.Rate;
import io.skydeck.billing.rating.RateKey;
import io.skydeck.billing.rating.Tier;
import io.skydeck.platform.problem.Problem.FieldError;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rate of a card as the API takes it and the table keeps it:
 * {@code {"meter":"SERVER_HOURS","flavor":"m1.large","fixedPerPeriod":5,"price":{"type":"per-unit","unitPrice":0.08}}}.
 * Price types: {@code per-unit} (unitPrice), {@code tiered} and {@code volume} (tiers of upTo/unitPrice,
 * the last without upTo), {@code flat} (amount).
 */
public record RateSpec(String meter, String flavor, BigDecimal fixedPerPeriod, PriceSpec price) {

    public record PriceSpec(String type, BigDecimal unitPrice, List<TierSpec> tiers, BigDecimal amount) {
    }

    public record TierSpec(BigDecimal upTo, BigDecimal unitPrice) {
    }

    /** The engine's rates, or the field errors that keep this list from being one. */
    static Map<RateKey, Rate> toRates(List<RateSpec> specs, List<FieldError> errors) {
        Map<RateKey, Rate> rates = new LinkedHashMap<>();
        if (specs == null || specs.isEmpty()) {
            errors.add(new FieldError("rates", "must list at least one rate"));
            return rates;
        }
        for (int i = 0; i < specs.size(); i++) {
            String at = "rates[" + i + "]";
            RateSpec s = specs.get(i);
            if (s == null) {
                errors.add(new FieldError(at, "must not be null"));
                continue;
            }
            Meter meter = meter(s.meter(), at + ".meter", errors);
            Price price = s.price() == null ? missing(at + ".price", errors) : price(s.price(), at + ".price", errors);
            BigDecimal fixed = s.fixedPerPeriod() == null ? BigDecimal.ZERO : s.fixedPerPeriod();
            if (fixed.signum() < 0) {
                errors.add(new FieldError(at + ".fixedPerPeriod", "must not be negative"));
            }
            if (meter == null || price == null) {
                continue;
            }
            try {
                RateKey key = RateKey.of(meter, s.flavor() == null ? "" : s.flavor());
                if (rates.put(key, new Rate(fixed, price)) != null) {
                    errors.add(new FieldError(at, "a second rate for " + meter + (key.flavor().isEmpty() ? "" : " " + key.flavor())));
                }
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError(at + ".fixedPerPeriod", e.getMessage()));
            }
        }
        return rates;
    }

    private static Meter meter(String name, String at, List<FieldError> errors) {
        if (name == null) {
            errors.add(new FieldError(at, "is required"));
            return null;
        }
        try {
            return Meter.valueOf(name);
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(at, "must be one of " + List.of(Meter.values())));
            return null;
        }
    }

    private static Price missing(String at, List<FieldError> errors) {
        errors.add(new FieldError(at, "is required"));
        return null;
    }

    private static Price price(PriceSpec p, String at, List<FieldError> errors) {
        try {
            switch (p.type() == null ? "" : p.type()) {
                case "per-unit" -> {
                    if (nonNegative(p.unitPrice(), at + ".unitPrice", errors)) {
                        return new Price.PerUnit(p.unitPrice());
                    }
                }
                case "tiered", "volume" -> {
                    List<Tier> tiers = tiers(p.tiers(), at + ".tiers", errors);
                    if (tiers != null) {
                        return p.type().equals("tiered") ? new Price.Tiered(tiers) : new Price.Volume(tiers);
                    }
                }
                case "flat" -> {
                    if (nonNegative(p.amount(), at + ".amount", errors)) {
                        return new Price.Flat(p.amount());
                    }
                }
                default -> errors.add(new FieldError(at + ".type", "must be per-unit, tiered, volume or flat"));
            }
        } catch (IllegalArgumentException e) {
            errors.add(new FieldError(at, e.getMessage()));
        }
        return null;
    }

    private static List<Tier> tiers(List<TierSpec> specs, String at, List<FieldError> errors) {
        if (specs == null || specs.isEmpty()) {
            errors.add(new FieldError(at, "must list at least one tier"));
            return null;
        }
        List<Tier> tiers = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            TierSpec t = specs.get(i);
            if (t == null || !nonNegative(t.unitPrice(), at + "[" + i + "].unitPrice", errors)) {
                return null;
            }
            tiers.add(new Tier(t.upTo(), t.unitPrice()));
        }
        return tiers;
    }

    private static boolean nonNegative(BigDecimal value, String at, List<FieldError> errors) {
        if (value == null) {
            errors.add(new FieldError(at, "is required"));
            return false;
        }
        if (value.signum() < 0) {
            errors.add(new FieldError(at, "must not be negative"));
            return false;
        }
        return true;
    }
}
