package io.skydeck.billing.invoice;

/** DRAFT can be regenerated at will; FINALIZED is issued and never changes again. */
public enum InvoiceStatus {
    DRAFT,
    FINALIZED
}
