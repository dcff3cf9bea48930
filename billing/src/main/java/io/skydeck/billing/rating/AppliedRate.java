package io.skydeck.billing.rating;

/** The rate chosen for some usage and the card it came from. */
public record AppliedRate(RateCard card, Rate rate) {
}
