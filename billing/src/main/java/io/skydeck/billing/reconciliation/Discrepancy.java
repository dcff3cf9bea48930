package io.skydeck.billing.reconciliation;

/**
 * The outcome for one key. Every key of either side ends up as exactly one of these, a match
 * included, so that the counts of a run add up to the number of keys.
 */
public sealed interface Discrepancy permits Discrepancy.Matched, Discrepancy.QuantityMismatch, Discrepancy.PriceMismatch,
        Discrepancy.MissingFromProviderBill, Discrepancy.UnknownToSkydeck, Discrepancy.CommitmentDiscountEffect {

    enum Kind { MATCHED, QUANTITY_MISMATCH, PRICE_MISMATCH, MISSING_FROM_PROVIDER_BILL, UNKNOWN_TO_SKYDECK, COMMITMENT_DISCOUNT_EFFECT }

    ReconciliationKey key();

    /** The variant as an enum, for exhaustive switches (Java 17 has no pattern switch). */
    Kind kind();

    /** Quantity and cost agree within tolerance. */
    record Matched(ReconciliationKey key, Side skydeck, Side provider) implements Discrepancy {
        public Kind kind() {
            return Kind.MATCHED;
        }
    }

    /** The provider counted a different quantity: a metering gap, or a bill for time we did not see. */
    record QuantityMismatch(ReconciliationKey key, Side skydeck, Side provider) implements Discrepancy {
        public Kind kind() {
            return Kind.QUANTITY_MISMATCH;
        }
    }

    /** Same quantity, different list price: our provider rate card is out of date, or the provider erred. */
    record PriceMismatch(ReconciliationKey key, Side skydeck, Side provider) implements Discrepancy {
        public Kind kind() {
            return Kind.PRICE_MISMATCH;
        }
    }

    /** Skydeck metered it, the provider did not bill it (yet): late bill, or a resource in another account. */
    record MissingFromProviderBill(ReconciliationKey key, Side skydeck) implements Discrepancy {
        public Kind kind() {
            return Kind.MISSING_FROM_PROVIDER_BILL;
        }
    }

    /** The provider billed something Skydeck does not know: a leak or an orphan to chase. */
    record UnknownToSkydeck(ReconciliationKey key, Side provider) implements Discrepancy {
        public Kind kind() {
            return Kind.UNKNOWN_TO_SKYDECK;
        }
    }

    /** Same quantity and list cost, but a commitment discount changed the effective cost. */
    record CommitmentDiscountEffect(ReconciliationKey key, Side skydeck, Side provider) implements Discrepancy {
        public Kind kind() {
            return Kind.COMMITMENT_DISCOUNT_EFFECT;
        }
    }
}
