package io.skydeck.drift;

import io.skydeck.platform.paging.Page;
import io.skydeck.platform.problem.ProblemException;
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

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code /v1/drift}: what the latest inventory sync of each provider found out of step with
 * Skydeck's records, for operators (admin, scheduler). Tenants never see it: an orphan may be
 * anyone's.
 */
@Path("/v1/drift")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class DriftResource {

    public record FindingView(String provider, String kind, String origin, String resourceType, String providerResourceId,
                              UUID resourceId, UUID tenantId, String name, String region, String detail, Instant detectedAt) {
        static FindingView of(DriftStore.Stored s) {
            DriftFinding f = s.finding();
            return new FindingView(f.provider(), lower(f.kind()), lower(f.origin()), lower(f.resourceType()),
                    f.providerResourceId(), f.resourceId(), f.tenantId(), f.name(), f.region(), f.detail(), s.detectedAt());
        }
    }

    public record SyncView(String provider, Instant syncedAt, String error) {
    }

    /** One page of findings (the list convention) and every provider's last sync. */
    public record DriftReport(List<FindingView> items, String nextCursor, List<SyncView> syncs) {
    }

    @Inject
    DriftStore store;

    @Inject
    DriftDetector detector;

    @GET
    @RolesAllowed({Roles.ADMIN, Roles.SCHEDULER})
    public DriftReport report(@QueryParam("provider") String provider, @QueryParam("kind") String kind,
                              @QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        Page<FindingView> page = Page.sorted(store.findings(provider, kindOf(kind)), cursor, limit,
                s -> String.join("|", s.finding().provider(), s.finding().kind().name(), s.finding().resourceType().name(),
                        s.finding().providerResourceId()),
                FindingView::of);
        return new DriftReport(page.items(), page.nextCursor(),
                store.syncs().stream().map(s -> new SyncView(s.provider(), s.syncedAt(), s.error())).toList());
    }

    /** Runs the sync now rather than at the next scheduled time; answers the fresh report. */
    @POST
    @Path("/sync")
    @RolesAllowed({Roles.ADMIN, Roles.SCHEDULER})
    public DriftReport sync() {
        detector.syncAll();
        return report(null, null, null, null);
    }

    private static DriftFinding.Kind kindOf(String kind) {
        if (kind == null) {
            return null;
        }
        try {
            return DriftFinding.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("kind", "one of orphan, ghost");
        }
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
