package io.skydeck.platform.changes;

import io.quarkus.arc.Arc;
import io.skydeck.platform.changes.TenantChanges.Channel;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * The changes of tenants' rows that one transaction made, told to this replica's
 * {@link TenantChanges} ({@link TenantChanges#changedHere}) once the transaction has committed: for
 * the entity listeners of the rows behind a channel, so that what this replica keeps in memory is
 * not used again by a client that saw the commit and asks this replica at once, before PostgreSQL's
 * notification of the same change has arrived; and wakes the {@link ChangeRelay}, which sends that
 * notification to the other replicas. A transaction that rolls back tells nothing.
 */
public final class ChangedAtCommit implements Synchronization {

    private record Change(Channel channel, UUID tenant, String detail) {
    }

    private final Set<Change> changes = new LinkedHashSet<>();

    private ChangedAtCommit() {
    }

    /** Records that the current transaction changed the tenant's rows behind {@code channel} ({@code detail} as its notification's). */
    public static void record(Channel channel, UUID tenant, String detail) {
        TransactionSynchronizationRegistry transaction = Arc.container().instance(TransactionSynchronizationRegistry.class).get();
        ChangedAtCommit changed = (ChangedAtCommit) transaction.getResource(ChangedAtCommit.class);
        if (changed == null) {
            changed = new ChangedAtCommit();
            transaction.putResource(ChangedAtCommit.class, changed);
            transaction.registerInterposedSynchronization(changed);
        }
        changed.changes.add(new Change(channel, tenant, detail));
    }

    @Override
    public void beforeCompletion() {
        // nothing to do before the commit
    }

    @Override
    public void afterCompletion(int status) {
        if (status == Status.STATUS_COMMITTED) {
            TenantChanges tenantChanges = Arc.container().instance(TenantChanges.class).get();
            changes.forEach(change -> tenantChanges.changedHere(change.channel(), change.tenant(), change.detail()));
            // The triggers wrote the other replicas' notifications to the outbox (V62): send them now, not at the next poll.
            Arc.container().instance(ChangeRelay.class).get().wake();
        }
    }
}
