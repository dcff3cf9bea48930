package io.skydeck.billing.invoice;

/** Thrown on any attempt to change a finalized invoice. */
public final class FinalizedInvoiceException extends IllegalStateException {
    public FinalizedInvoiceException(String message) {
        super(message);
    }
}
