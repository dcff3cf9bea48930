package io.skydeck.billing.rating;

import io.skydeck.billing.metering.Meter;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * All rate cards, and the rule that picks one.
 *
 * <p>Among the cards effective at the instant that apply to the tenant, provider and region, the
 * most specific wins: a tenant override before a general card, an exact region before
 * {@code "*"}, then the highest version. Within the winning card a flavor-specific rate wins over
 * the meter's general rate. A tenant override that lacks the meter falls back to the next card,
 * so an override only needs to list what it changes.
 */
public final class RateCatalog {

    private static final Comparator<RateCard> MOST_SPECIFIC_FIRST = Comparator
            .comparing((RateCard c) -> c.tenantId() == null)
            .thenComparing(c -> c.region().equals(RateCard.ANY_REGION))
            .thenComparing(RateCard::version, Comparator.reverseOrder())
            .thenComparing(RateCard::id);

    private final List<RateCard> cards;

    public RateCatalog(List<RateCard> cards) {
        this.cards = List.copyOf(cards);
    }

    public Optional<AppliedRate> find(String tenantId, String provider, String region, Meter meter, String flavor, Instant at) {
        RateKey key = RateKey.of(meter, flavor);
        return cards.stream()
                .filter(c -> c.effectiveAt(at) && c.appliesTo(tenantId, provider, region))
                .sorted(MOST_SPECIFIC_FIRST)
                .flatMap(c -> c.rateFor(key).map(r -> new AppliedRate(c, r)).stream())
                .findFirst();
    }

    public List<RateCard> cards() {
        return cards;
    }
}
