package io.skydeck.billing.rating;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A versioned price list of one provider and region in one currency, valid in
 * [effectiveFrom, effectiveTo). A card with a tenant id is that tenant's override and wins over
 * the general card; a region of {@code "*"} applies to every region of the provider.
 *
 * <p>A new price is a new card (or a new version), never an edit: usage is always rated with the
 * card that was effective at the usage hour, so re-rating an old month gives the old prices.
 */
public record RateCard(
        String id,
        int version,
        String provider,
        String region,
        String currency,
        Instant effectiveFrom,
        Instant effectiveTo,
        String tenantId,
        Map<RateKey, Rate> rates) {

    public static final String ANY_REGION = "*";

    public RateCard {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(effectiveFrom, "effectiveFrom");
        if (effectiveTo != null && !effectiveTo.isAfter(effectiveFrom)) {
            throw new IllegalArgumentException("rate card " + id + " ends before it starts");
        }
        rates = Map.copyOf(rates);
    }

    public boolean effectiveAt(Instant at) {
        return !at.isBefore(effectiveFrom) && (effectiveTo == null || at.isBefore(effectiveTo));
    }

    public boolean appliesTo(String tenant, String provider, String region) {
        return this.provider.equals(provider)
                && (this.region.equals(ANY_REGION) || this.region.equals(region))
                && (this.tenantId == null || this.tenantId.equals(tenant));
    }

    /** The flavor-specific rate if there is one, else the meter's general rate. */
    public Optional<Rate> rateFor(RateKey key) {
        Rate specific = rates.get(key);
        if (specific != null) {
            return Optional.of(specific);
        }
        return Optional.ofNullable(rates.get(RateKey.of(key.meter())));
    }

    /** "id@version", how charges refer to the card that priced them. */
    public String reference() {
        return id + "@" + version;
    }
}
