package io.skydeck.placement;

/** Prefers the host with the lowest hourly price for the request. */
final class CostWeigher {

    static final String NAME = "cost";

    private CostWeigher() {
    }

    /** 1 for the cheapest host that passed the filters, 0 for the dearest, linear between. */
    static double normalise(double price, double cheapest, double dearest) {
        return dearest == cheapest ? 1.0 : (dearest - price) / (dearest - cheapest);
    }
}
