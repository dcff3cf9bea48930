package io.skydeck.billing.bills;

/**
 * Where an import puts lines while it reads them: the service backs this with a transaction (or
 * a staging table) so that {@link #discard()} leaves nothing behind and {@link #commit(String)}
 * makes the whole file visible at once.
 */
public interface ImportStaging {

    void stage(BillLine line);

    void commit(String sha256);

    void discard();
}
