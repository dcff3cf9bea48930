package io.skydeck.placement;

import java.util.Objects;
import java.util.Set;

/**
 * One thing to place. {@code requestId} names the resulting allocation (the service uses its
 * server or workload id) and is what {@link PlacementEngine#release} takes back.
 * {@code allowedProviders} is the tenant's allow-list of provider names; empty allows all.
 */
public record PlacementRequest(String requestId, String tenantId, Resources demand,
                               PlacementHints hints, Set<String> allowedProviders) {

    public PlacementRequest {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(demand, "demand");
        hints = hints == null ? PlacementHints.none() : hints;
        allowedProviders = allowedProviders == null ? Set.of() : Set.copyOf(allowedProviders);
    }

    public PlacementRequest(String requestId, String tenantId, Resources demand, PlacementHints hints) {
        this(requestId, tenantId, demand, hints, Set.of());
    }

    public PlacementRequest(String requestId, String tenantId, Resources demand) {
        this(requestId, tenantId, demand, PlacementHints.none(), Set.of());
    }
}
