package io.skydeck.capacity;

import io.skydeck.placement.PlacementTarget;

import java.math.BigDecimal;
import java.util.Optional;

/**
 * Where a new resource goes and why: the one answer {@link Placements} gives every resource kind,
 * inside the caller's transaction. A workload's is admitted by the ledger already; a server's host
 * only when the pipeline asks the ledger at its end ({@link Placements#admitServer}).
 *
 * @param provider    the provider that will run it
 * @param region      the provider's region
 * @param host        the host, zone and kind for resources placed on hosts (servers); empty for
 *                    resources a provider schedules itself (workloads land in a region's pools)
 * @param hourlyPrice the list price the decision priced it at, when the kind is priced per hour
 * @param decidedBy   engine, override or container-pools
 * @param explanation the decision's reasons as JSON, served at {@code /v1/<kind>/{id}/placement}
 */
public record Placement(String provider, String region, Optional<PlacementTarget> host, BigDecimal hourlyPrice,
                        String decidedBy, String explanation) {

    /** The host a host-placed resource was admitted to; a pool-placed kind has none. */
    public PlacementTarget target() {
        return host.orElseThrow(() -> new IllegalStateException("placed in " + provider + "/" + region + " pools, not on a host"));
    }
}
