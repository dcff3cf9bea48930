package io.skydeck.capacity;

import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.platform.paging.Page;
import io.skydeck.placement.HostLoad;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.ZoneCapacity;
import io.skydeck.providers.InventoryState;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.platform.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.util.List;

/** {@code /v1/capacity}: free capacity by provider, region and zone, for schedulers. */
@Path("/v1/capacity")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class CapacityResource {

    public record ZoneView(String provider, String kind, String region, String zone, int hosts, int hostsInUse,
                           Amount capacity, Amount free) {
        public record Amount(int vcpu, long memoryMib, int gpu) {
        }

        static ZoneView of(ZoneCapacity z) {
            return new ZoneView(z.provider(), z.kind().name().toLowerCase(), z.region(), z.zone(), z.hosts(), z.hostsInUse(),
                    new Amount(z.capacity().vcpu(), z.capacity().memoryMib(), z.capacity().gpu()),
                    new Amount(z.free().vcpu(), z.free().memoryMib(), z.free().gpu()));
        }
    }

    /** One host's capacity, for the layer below a zone (the console's heat map). */
    public record HostView(String provider, String kind, String region, String zone, String host, int allocations,
                           ZoneView.Amount capacity, ZoneView.Amount free) {

        static HostView of(HostLoad h) {
            PlacementTarget t = h.target();
            return new HostView(t.provider(), t.kind().name().toLowerCase(), t.region(), t.zone(), t.hostId(), h.allocations(),
                    new ZoneView.Amount(h.capacity().vcpu(), h.capacity().memoryMib(), h.capacity().gpu()),
                    new ZoneView.Amount(h.free().vcpu(), h.free().memoryMib(), h.free().gpu()));
        }
    }

    @Inject
    PlacementService placement;

    @Inject
    ProviderRegistry providers;

    @GET
    @RolesAllowed({Roles.SCHEDULER, Roles.ADMIN})
    public Page<ZoneView> capacity(@QueryParam("provider") String provider, @QueryParam("region") String region,
                                   @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return Page.sorted(placement.capacity().stream()
                        .filter(z -> provider == null || z.provider().equals(provider))
                        .filter(z -> region == null || z.region().equals(region))
                        .toList(),
                cursor, limit, z -> z.provider() + "|" + z.region() + "|" + z.zone(), ZoneView::of);
    }

    /**
     * Every host's capacity and free capacity, by provider, region and zone. A public cloud hides its
     * hosts, so there each zone appears as the one virtual host placement uses for it.
     */
    @GET
    @Path("/hosts")
    @RolesAllowed({Roles.SCHEDULER, Roles.ADMIN})
    public Page<HostView> hosts(@QueryParam("provider") String provider, @QueryParam("region") String region,
                                @QueryParam("zone") String zone, @QueryParam("cursor") String cursor,
                                @QueryParam("limit") Integer limit) {
        return Page.sorted(placement.hostLoads().stream()
                        .filter(h -> provider == null || h.target().provider().equals(provider))
                        .filter(h -> region == null || h.target().region().equals(region))
                        .filter(h -> zone == null || h.target().zone().equals(zone))
                        .toList(),
                cursor, limit, h -> h.target().provider() + "|" + h.target().region() + "|" + h.target().zone() + "|"
                        + h.target().hostId(), HostView::of);
    }

    /**
     * Re-reads every provider's inventory, e.g. after capacity was added outside Skydeck. When a
     * provider's cannot be read, the others are still refreshed and the answer is that provider's
     * problem (502 for refused credentials, 503 for a cloud that is down), never a 500.
     */
    @POST
    @Path("/refresh")
    @RolesAllowed({Roles.SCHEDULER, Roles.ADMIN})
    public Page<ZoneView> refresh() {
        placement.rebuild();
        for (CloudProvider provider : providers.all()) {
            if (providers.inventory(provider.name()).orElse(null) instanceof InventoryState.InventoryUnreadable unreadable) {
                if (unreadable.failure() instanceof ProviderException failure) {
                    throw failure;
                }
                throw new ProviderUnavailable(provider.name(), "inventory cannot be read: " + unreadable.detail(), "inventory", null);
            }
        }
        return capacity(null, null, null, null);
    }
}
