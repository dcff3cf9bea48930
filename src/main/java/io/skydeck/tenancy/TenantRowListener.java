package io.skydeck.tenancy;

import io.quarkus.arc.Arc;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * Tells this replica's {@link TenantChanges} of the tenant and project rows it changed, once the
 * transaction has committed: what {@link ActingTenants} kept of them is not used again by a request
 * from a client that saw the commit and asks this replica at once, before PostgreSQL's notification
 * of the same change (V56) has arrived. Other replicas learn of it from the notification alone.
 */
public class TenantRowListener {

    @PostUpdate
    @PostRemove
    void written(Object row) {
        UUID tenant;
        if (row instanceof Tenant t) {
            tenant = t.id();
        } else if (row instanceof Project p) {
            tenant = p.tenantId();
        } else {
            throw new IllegalArgumentException("not a tenant's row: " + row.getClass().getName());
        }
        TransactionSynchronizationRegistry transaction = Arc.container().instance(TransactionSynchronizationRegistry.class).get();
        Written written = (Written) transaction.getResource(Written.class);
        if (written == null) {
            written = new Written();
            transaction.putResource(Written.class, written);
            transaction.registerInterposedSynchronization(written);
        }
        written.tenants.add(tenant);
    }

    /** The tenants whose rows one transaction changed, told once it has committed. */
    private static final class Written implements Synchronization {
        final Set<UUID> tenants = new LinkedHashSet<>();

        @Override
        public void beforeCompletion() {
            // nothing to do before the commit
        }

        @Override
        public void afterCompletion(int status) {
            if (status == Status.STATUS_COMMITTED) {
                TenantChanges changes = Arc.container().instance(TenantChanges.class).get();
                tenants.forEach(tenant -> changes.changedHere(Channel.TENANTS, tenant, null));
            }
        }
    }
}
