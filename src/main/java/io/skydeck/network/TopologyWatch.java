package io.skydeck.network;

import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.UUID;

/**
 * Whether a tenant's network topology kept by this replica is still current: the replica's
 * {@link TenantChanges} on the {@code network_topology} channel (V52's notifications), unless
 * {@code skydeck.network.topology-watch=false}, in which case it vouches for nothing and every
 * reachability question reads the tenant's topology version first.
 */
@ApplicationScoped
public class TopologyWatch {

    @Inject
    TenantChanges changes;

    @Inject
    TopologyWatchConfig config;

    /** A mark for a reader about to read the tenant's topology, or {@code null} when nothing can vouch for what it reads. */
    public TenantChanges.Mark mark(UUID tenant) {
        return config.enabled() ? changes.mark(Channel.NETWORK_TOPOLOGY, tenant) : null;
    }

    /** Whether nothing of the tenant's topology can have changed since the mark was taken. */
    public boolean unchanged(UUID tenant, TenantChanges.Mark mark) {
        return config.enabled() && changes.unchanged(Channel.NETWORK_TOPOLOGY, tenant, mark);
    }

    /** Whether the watch vouches for anything now. */
    public boolean live() {
        return config.enabled() && changes.live();
    }
}
