package io.skydeck.capacity;

import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;

import java.util.function.Supplier;

/**
 * The ledger refused a placement the engine proposed (another replica took the room, or a group
 * member sits elsewhere). Thrown inside the create's transaction, which must then roll back (a
 * refusal raised by PostgreSQL has aborted it already); once it has, the engine learns what it
 * missed, so the create made again from the start — a new transaction, a new proposal — usually
 * lands elsewhere. Uncaught, it is the 409 the last refusal explains.
 */
public final class PlacementRefused extends ProblemException {

    /** How many times in all a create whose placement the ledger refuses is made before the refusal is the answer. */
    public static final int ATTEMPTS = 3;

    private final boolean retryable;
    /** What the engine learns of the refused host once the refused transaction has ended. */
    private final Runnable learn;

    PlacementRefused(String detail, boolean retryable, Runnable learn) {
        super(ProblemType.NO_CAPACITY, detail);
        this.retryable = retryable;
        this.learn = learn;
    }

    /**
     * A create refused at its commit because something this replica kept in memory for it had
     * changed meanwhile (a tenant's default network, see {@code DefaultNetworks#forNewServer}): it
     * is made again once {@code forget} has dropped what was kept, which the next attempt reads anew.
     */
    public static PlacementRefused stale(String detail, Runnable forget) {
        return new PlacementRefused(detail, true, forget);
    }

    /** False for a placement pinned by an override: making it again would try the same host. */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Runs {@code create} — which must begin and end its own transaction — again while the ledger
     * refuses its placement, at most {@link #ATTEMPTS} times in all; after each refusal the engine
     * learns the refused host's servers. Call it outside any transaction: a refusal rolls back
     * everything the attempt wrote (its idempotency key too).
     */
    public static <T> T retrying(Supplier<T> create) {
        for (int attempt = 1; ; attempt++) {
            try {
                return create.get();
            } catch (PlacementRefused refused) {
                refused.learn.run();
                if (!refused.retryable() || attempt == ATTEMPTS) {
                    throw refused;
                }
            }
        }
    }
}
