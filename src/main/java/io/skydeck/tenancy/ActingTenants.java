package io.skydeck.tenancy;

import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import io.skydeck.platform.changes.TenantChanges.Mark;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The tenant a request acts for, and the project a create names, as this replica last read them:
 * used again while {@link TenantChanges} says neither row has changed since (V56 notifies every
 * replica of an update or delete of either; this replica's own are counted at its commit by
 * {@link TenantRowListener}). A create read them in a round trip of its own, on a connection of its
 * own, before its transaction; every create of a tenant read the same two rows.
 *
 * <p>What is kept is no staler than that read was: it was already taken outside the create's
 * transaction, and a change another replica commits is seen here once its notification arrives
 * (well under a millisecond on one host). When the watch is not listening nothing is kept and every
 * call reads. Rows not found are not kept (the caller's read throws), so a tenant or project made
 * after a miss is found at once. The rows kept are detached entities, read only.
 */
@ApplicationScoped
public class ActingTenants {

    /** At most this many pairs are kept; past it the map starts again empty (a bound, not an eviction policy). */
    static final int KEPT = 10_000;

    /** A tenant alone ({@code project} null), or a tenant with one of its projects. */
    private record Key(UUID tenant, UUID project) {
    }

    private record Kept(Mark mark, Object rows) {
    }

    private final Map<Key, Kept> kept = new ConcurrentHashMap<>();

    @Inject
    TenantChanges changes;

    /** The tenant as kept while unchanged, else as {@code read} answers now (and kept). */
    public Tenant tenant(UUID tenant, Supplier<Tenant> read) {
        return current(new Key(tenant, null), read);
    }

    /** The tenant and its project as kept while unchanged, else as {@code read} answers now (and kept). */
    public TenantService.WithProject withProject(UUID tenant, UUID project, Supplier<TenantService.WithProject> read) {
        return current(new Key(tenant, project), read);
    }

    @SuppressWarnings("unchecked")
    private <T> T current(Key key, Supplier<T> read) {
        Kept known = kept.get(key);
        if (known != null && changes.unchanged(Channel.TENANTS, key.tenant(), known.mark())) {
            return (T) known.rows();
        }
        // The mark before the read: a change committed after it makes what is read stale at once.
        Mark mark = changes.mark(Channel.TENANTS, key.tenant());
        T rows = read.get();
        if (mark != null) {
            if (kept.size() >= KEPT) {
                kept.clear();
            }
            kept.put(key, new Kept(mark, rows));
        }
        return rows;
    }
}
