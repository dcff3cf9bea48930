package io.skydeck.providers;

import io.skydeck.connectors.sandbox.ArtifactDefect;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * {@code /v1/sandbox/artifact-defects}: bad versions on the simulated cloud, for demos and tests of
 * releases (the brake, a failed analysis) on a running service. Admins only: a mark changes what
 * every tenant's releases of that artifact see. Which instances a {@code failingPercent} picks is
 * the sandbox's hash of artifact and instance ({@link ArtifactDefect}), the same on every run.
 */
@Path("/v1/sandbox/artifact-defects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
public class ArtifactDefectResource {

    /** An artifact as a version names its image: no spaces or control characters. */
    static final java.util.regex.Pattern ARTIFACT = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,254}");

    /**
     * @param failingPercent share of the instances (0–100) whose ignition check the artifact fails; default 0
     * @param errorPercent   share of requests (0–100) it answers with errors where it does start; default 0
     * @param addedLatency   ISO-8601, added to the p99 latency where it does start; default PT0S
     */
    public record MarkDefect(Integer failingPercent, Integer errorPercent, String addedLatency) {
    }

    public record DefectView(String artifact, int failingPercent, int errorPercent, String addedLatency) {
        static DefectView of(ArtifactDefect d) {
            return new DefectView(d.artifact(), d.failingPercent(), d.errorPercent(), d.addedLatency().toString());
        }
    }

    @Inject
    ArtifactDefects defects;

    @GET
    @RolesAllowed(Roles.ADMIN)
    public Page<DefectView> list(@QueryParam("cursor") String cursor, @QueryParam("limit") Integer limit) {
        return Page.sorted(defects.list(), cursor, limit, ArtifactDefect::artifact, DefectView::of);
    }

    @GET
    @Path("/{artifact: .+}")
    @RolesAllowed(Roles.ADMIN)
    public DefectView get(@PathParam("artifact") String artifact) {
        return defects.find(artifact).map(DefectView::of).orElseThrow(() -> ProblemException.notFound("artifact defect", artifact));
    }

    /** Marks the artifact bad from now on (replacing an earlier mark); instances already running it are affected at once. */
    @PUT
    @Path("/{artifact: .+}")
    @RolesAllowed(Roles.ADMIN)
    public DefectView mark(@PathParam("artifact") String artifact, MarkDefect request) {
        if (!ARTIFACT.matcher(artifact).matches()) {
            throw ProblemException.invalid("artifact", "1 to 255 letters, digits and . _ : / @ + -, starting with a letter or digit");
        }
        MarkDefect body = request == null ? new MarkDefect(null, null, null) : request;
        int failing = percent("failingPercent", body.failingPercent());
        int errors = percent("errorPercent", body.errorPercent());
        Duration latency = latency(body.addedLatency());
        if (failing == 0 && errors == 0 && latency.isZero()) {
            throw ProblemException.invalid("failingPercent", "a defect fails instances, serves errors or adds latency; "
                    + "give failingPercent, errorPercent or addedLatency (to make the version sound again, DELETE its defect)");
        }
        return DefectView.of(defects.mark(new ArtifactDefect(artifact, failing, errors, latency)));
    }

    @DELETE
    @Path("/{artifact: .+}")
    @RolesAllowed(Roles.ADMIN)
    public void clear(@PathParam("artifact") String artifact) {
        defects.clear(artifact);
    }

    private static int percent(String field, Integer value) {
        if (value == null) {
            return 0;
        }
        if (value < 0 || value > 100) {
            throw ProblemException.invalid(field, value + " is outside 0..100");
        }
        return value;
    }

    private static Duration latency(String text) {
        if (text == null) {
            return Duration.ZERO;
        }
        Duration latency;
        try {
            latency = Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw ProblemException.invalid("addedLatency", "'" + text + "' is not an ISO-8601 duration such as PT0.2S");
        }
        if (latency.isNegative() || latency.compareTo(Duration.ofMinutes(1)) > 0) {
            throw ProblemException.invalid("addedLatency", text + " is outside PT0S..PT1M");
        }
        return latency;
    }
}
