package io.skydeck.placement;

/**
 * Honours a maximum hourly price. A host that cannot price the request at all (it sells by
 * flavor and the request names none it sells) is rejected here too, with or without a ceiling,
 * because the cost weigher could not rank it.
 */
final class PriceFilter {

    static final String NAME = "price";

    private PriceFilter() {
    }

    /** @param quoteMicros the host's price for the request, or {@link RateTable#UNPRICED} */
    static boolean admits(long quoteMicros, long ceilingMicros) {
        return quoteMicros != RateTable.UNPRICED && quoteMicros <= ceilingMicros;
    }
}
