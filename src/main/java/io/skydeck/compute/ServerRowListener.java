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

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Tells this replica's {@link TenantChanges} of the server rows it wrote, once the transaction has
 * committed: a page of the tenant's servers that it kept ({@link ServerPages}) is not answered again
 * to a client that saw the commit and asks this replica at once, before PostgreSQL's notification of
 * the same change (V53) has arrived. Other replicas learn of it from the notification alone.
 */
public class ServerRowListener {

    @PostPersist
    @PostUpdate
    @PostRemove
    void written(Server server) {
        TransactionSynchronizationRegistry transaction = Arc.container().instance(TransactionSynchronizationRegistry.class).get();
        Written written = (Written) transaction.getResource(Written.class);
        if (written == null) {
            written = new Written();
            transaction.putResource(Written.class, written);
            transaction.registerInterposedSynchronization(written);
        }
        written.rows.add(new Row(server.tenantId(), ServerPages.Place.of(server.createdAt(), server.id()).detail()));
    }

    private record Row(UUID tenant, String place) {
    }

    /** The rows one transaction wrote, told once it has committed. */
    private static final class Written implements Synchronization {
        final Set<Row> rows = new LinkedHashSet<>();

        @Override
        public void beforeCompletion() {
            // nothing to do before the commit
        }

        @Override
        public void afterCompletion(int status) {
            if (status == Status.STATUS_COMMITTED) {
                TenantChanges changes = Arc.container().instance(TenantChanges.class).get();
                rows.forEach(row -> changes.changedHere(Channel.SERVERS, row.tenant(), row.place()));
            }
        }
    }
}
