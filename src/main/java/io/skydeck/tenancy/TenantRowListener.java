package io.skydeck.tenancy;

import io.skydeck.platform.changes.ChangedAtCommit;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;

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
        if (row instanceof Tenant tenant) {
            ChangedAtCommit.record(Channel.TENANTS, tenant.id(), null);
        } else if (row instanceof Project project) {
            ChangedAtCommit.record(Channel.TENANTS, project.tenantId(), null);
        } else {
            throw new IllegalArgumentException("not a tenant's row: " + row.getClass().getName());
        }
    }
}
