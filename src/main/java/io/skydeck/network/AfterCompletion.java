package io.skydeck.network;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;

/**
 * Work that must wait for the end of the caller's transaction: IPAM rows live outside it, so what
 * the transaction did to them is settled (released, given back, forgotten) only once it is known
 * whether it committed.
 */
final class AfterCompletion implements Synchronization {

    private final boolean onCommit;
    private final Runnable work;

    private AfterCompletion(boolean onCommit, Runnable work) {
        this.onCommit = onCommit;
        this.work = work;
    }

    /** Runs {@code work} once the transaction has committed, not if it rolls back. */
    static Synchronization onCommit(Runnable work) {
        return new AfterCompletion(true, work);
    }

    /** Runs {@code work} once the transaction has ended without committing. */
    static Synchronization unlessCommitted(Runnable work) {
        return new AfterCompletion(false, work);
    }

    @Override
    public void beforeCompletion() {
    }

    @Override
    public void afterCompletion(int status) {
        if ((status == Status.STATUS_COMMITTED) == onCommit) {
            work.run();
        }
    }
}
