package io.skydeck.billing.rating;

/** Why a charge exists; maps onto FOCUS ChargeCategory / CommitmentDiscountStatus. */
public enum ChargeKind {
    /** Usage priced on demand (after commitments took their share). */
    USAGE,
    /** The fixed part of a rate, once per period in which the meter was used. */
    FIXED_FEE,
    /** The part of a commitment that covered usage (FOCUS CommitmentDiscountStatus=Used). */
    COMMITMENT_USED,
    /** The part of a commitment that nothing used, still due (CommitmentDiscountStatus=Unused). */
    COMMITMENT_UNUSED
}
