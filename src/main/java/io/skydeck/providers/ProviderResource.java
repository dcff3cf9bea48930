package io.skydeck.providers;

import io.skydeck.platform.paging.Page;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.Region;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code /v1/providers}: the configured clouds with their regions, health, circuit and
 * capabilities, for admins and schedulers. Built from what the connectors report, never from
 * configuration, so no credential (nor where it is kept) can appear here.
 */
@Path("/v1/providers")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class ProviderResource {

    public record ProviderView(String name, String kind, List<RegionView> regions, HealthView health, CircuitView circuit,
                               InventoryView inventory, List<String> capabilities) {
    }

    /**
     * How this replica's last inventory read went: {@code read}, or {@code unreadable} with why and
     * on how many stand-in hosts the provider's servers stay held. {@code null} for a provider
     * that runs no servers.
     */
    public record InventoryView(String state, Instant at, String problemType, String detail, Integer serversHeldOnHosts) {
        static InventoryView of(InventoryState s) {
            if (s instanceof InventoryState.InventoryUnreadable u) {
                return new InventoryView("unreadable", u.at(), "urn:skydeck:problem:" + u.type(), u.detail(), u.heldOn());
            }
            return new InventoryView("read", s.at(), null, null, null);
        }
    }

    public record RegionView(String id, List<String> zones) {
        static RegionView of(Region r) {
            return new RegionView(r.id(), r.zones());
        }
    }

    public record HealthView(String state, String detail, Instant checkedAt) {
        static HealthView of(ProviderHealth h) {
            return new HealthView(h.state().name(), h.detail(), h.checkedAt());
        }
    }

    /** {@code null} for the sandbox, which runs in-process and has no circuit. */
    public record CircuitView(String state, int consecutiveFailures, Instant openUntil) {
        static CircuitView of(CircuitBreaker.Snapshot s) {
            return new CircuitView(s.state().name(), s.consecutiveFailures(), s.openUntil());
        }
    }

    public record FlavorView(String id, String name, String region, int vcpu, long memoryMib, int gpu, int diskGib) {
        static FlavorView of(String region, Flavor f) {
            return new FlavorView(f.id(), f.name(), region, f.resources().vcpus(), f.resources().memoryMiB(),
                    f.resources().gpus(), f.diskGiB());
        }
    }

    @Inject
    ProviderRegistry providers;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.SCHEDULER})
    public Page<ProviderView> list(@QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return Page.sorted(providers.all(), cursor, limit, CloudProvider::name, this::view);
    }

    @GET
    @Path("/{name}")
    @RolesAllowed({Roles.ADMIN, Roles.SCHEDULER})
    public ProviderView get(@PathParam("name") String name) {
        return view(find(name));
    }

    /**
     * The flavors the provider offers, asked of it now. A provider failure answers as
     * problem+json ({@link ProviderProblems}), e.g. 503 "circuit open".
     */
    @GET
    @Path("/{name}/flavors")
    @RolesAllowed({Roles.ADMIN, Roles.SCHEDULER})
    public Page<FlavorView> flavors(@PathParam("name") String name, @QueryParam("region") String region,
                                    @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        CloudProvider provider = find(name);
        Inventory inventory = provider.require(Inventory.class);
        List<FlavorView> out = new ArrayList<>();
        for (Region r : provider.regions()) {
            if (region == null || region.equals(r.id())) {
                inventory.flavors(r.id()).forEach(f -> out.add(FlavorView.of(r.id(), f)));
            }
        }
        if (region != null && out.isEmpty() && provider.regions().stream().noneMatch(r -> r.id().equals(region))) {
            throw ProblemException.notFound("region", region + " of provider " + name);
        }
        return Page.sorted(out, cursor, limit, f -> f.region() + "|" + f.id(), f -> f);
    }

    private CloudProvider find(String name) {
        return providers.find(name).orElseThrow(() -> ProblemException.notFound("provider", name));
    }

    private ProviderView view(CloudProvider p) {
        return new ProviderView(p.name(), p.kind().name().toLowerCase(), p.regions().stream().map(RegionView::of).toList(),
                HealthView.of(p.health()), providers.circuit(p.name()).map(CircuitView::of).orElse(null),
                providers.inventory(p.name()).map(InventoryView::of).orElse(null),
                p.capabilities().stream().map(ProviderResource::capabilityName).sorted().toList());
    }

    private static String capabilityName(CapabilityKind kind) {
        return kind.name().toLowerCase().replace('_', '-');
    }
}
