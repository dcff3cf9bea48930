package io.skydeck.compute;

import io.skydeck.platform.changes.ChangedAtCommit;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import jakarta.persistence.PostPersist;
import jakarta.persistence.PostRemove;
import jakarta.persistence.PostUpdate;

/**
 * Tells this replica's {@link TenantChanges} of the server rows it wrote, once the transaction has
 * committed: a page of the tenant's servers that it kept ({@link ServerPages}) is not answered again
 * to a client that saw the commit and asks this replica at once, before PostgreSQL's notification
 * of the same change (V53) has arrived. Other replicas learn of it from the notification alone.
 */
public class ServerRowListener {

    @PostPersist
    @PostUpdate
    @PostRemove
    void written(Server server) {
        ChangedAtCommit.record(Channel.SERVERS, server.tenantId(), ServerPages.Place.of(server.createdAt(), server.id()).detail());
    }
}
