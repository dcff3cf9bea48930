package io.skydeck.compute;

import io.quarkus.arc.Arc;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.util.UUID;

/**
 * Tells this replica's {@link TenantChanges} of a server row it wrote, once the transaction has
 * committed: a page of the tenant's servers that it kept ({@link ServerPages}) is not answered again
 * to a client that saw the commit and asks this replica at once, before PostgreSQL's notification of
 * the same change has arrived. Other replicas learn of it from the notification alone.
 */
public class ServerRowListener {

    @PostPersist
    @PostUpdate
    @PostRemove
    void written(Server server) {
        TransactionSynchronizationRegistry transaction = Arc.container().instance(TransactionSynchronizationRegistry.class).get();
        Object key = new Touched(server.tenantId());
        if (transaction.getResource(key) != null) {
            return;
        }
        transaction.putResource(key, Boolean.TRUE);
        UUID tenant = server.tenantId();
        transaction.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                // nothing to do before the commit
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    Arc.container().instance(TenantChanges.class).get().changedHere(Channel.SERVERS, tenant);
                }
            }
        });
    }

    /** One synchronisation per tenant and transaction, however many of its servers the transaction writes. */
    private record Touched(UUID tenant) {
    }
}
