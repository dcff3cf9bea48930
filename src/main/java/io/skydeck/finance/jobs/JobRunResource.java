package io.skydeck.finance.jobs;

import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.web.QueryParams;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.util.Optional;

/** {@code /v1/jobs/runs}: what the finance jobs (scheduled or requested) did, newest first, and one run to poll. */
@Path("/v1/jobs/runs")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@RolesAllowed({Roles.FINANCE, Roles.ADMIN})
public class JobRunResource {

    @Inject
    JobRuns runs;

    @GET
    public Page<JobRuns.JobRun> list(@QueryParam("job") String job, @QueryParam("cursor") String cursor,
                                     @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        return Page.from(runs.list(Optional.ofNullable(job), page), page.limit(), JobRuns::position, r -> r);
    }

    /** One run: QUEUED, RUNNING, then SUCCEEDED (with what it did), FAILED (with why) or ABANDONED. */
    @GET
    @Path("/{id}")
    public JobRuns.JobRun get(@PathParam("id") String id) {
        return QueryParams.uuid("id", id).flatMap(runs::find).orElseThrow(() -> ProblemException.notFound("job run", id));
    }
}
