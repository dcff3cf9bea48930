package io.skydeck.capacity;

import io.skydeck.platform.paging.Page;
import io.skydeck.placement.ZoneCapacity;
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

    @Inject
    PlacementService placement;

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

    /** Re-reads every provider's inventory, e.g. after capacity was added outside Skydeck. */
    @POST
    @Path("/refresh")
    @RolesAllowed({Roles.SCHEDULER, Roles.ADMIN})
    public Page<ZoneView> refresh() {
        placement.rebuild();
        return capacity(null, null, null, null);
    }
}
