package io.skydeck.finance.bills;

import io.skydeck.billing.bills.BillFormatException;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem.FieldError;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.platform.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * {@code /v1/bill-imports}: provider bills (AWS CUR legacy and 2.0, FOCUS 1.0–1.2; CSV or
 * CSV.gz) sent as the raw request body. Re-sending a file is answered with its earlier import;
 * the SHA-256 of its decompressed content, not an Idempotency-Key, is what makes that safe. A new
 * import schedules the reconciliation of its provider for each month it covers.
 */
@Path("/v1/bill-imports")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "jwt")
@RolesAllowed(Roles.FINANCE)
public class BillImportResource {

    @Inject
    BillImports imports;

    @Inject
    Caller caller;

    /**
     * The InputStream parameter makes Quarkus REST hand over the body as it arrives instead of
     * buffering it, which is what keeps a multi-gigabyte CUR file in constant memory.
     */
    @POST
    @Consumes({"text/csv", "application/gzip", "application/x-gzip", MediaType.APPLICATION_OCTET_STREAM})
    public Response importBill(@QueryParam("provider") String provider, InputStream body) {
        if (provider == null || !provider.matches("[a-z0-9][a-z0-9-]{0,63}")) {
            throw ProblemException.invalid("provider", "the provider the bill is from, e.g. aws");
        }
        BillImports.Outcome outcome;
        try {
            outcome = imports.importFile(provider, body, caller.subject());
        } catch (BillFormatException e) {
            String at = "line " + e.line();
            throw new ProblemException(ProblemType.VALIDATION, e.getMessage() + "; nothing of this file was imported",
                    List.of(new FieldError(at, e.getMessage())), Map.of());
        } catch (UncheckedIOException e) {
            throw new ProblemException(ProblemType.VALIDATION, "the file cannot be read: " + e.getCause().getMessage()
                    + "; nothing of this file was imported", List.of(new FieldError("body", "unreadable")), Map.of());
        }
        BillImports.StoredImport stored = outcome.stored();
        if (outcome.repeated()) {
            return Response.ok(stored).header("Skydeck-Import-Repeated", "true").build();
        }
        return Response.created(URI.create("/v1/bill-imports/" + stored.id())).entity(stored).build();
    }

    @GET
    public Page<BillImports.StoredImport> list(@QueryParam("provider") String provider, @QueryParam("cursor") String cursor,
                                               @QueryParam("limit") Integer limit) {
        PageRequest page = PageRequest.of(cursor, limit);
        return Page.from(imports.list(Optional.ofNullable(provider), page), page.limit(), BillImports::position, s -> s);
    }

    @GET
    @Path("/{id}")
    public BillImports.StoredImport get(@PathParam("id") UUID id) {
        return imports.find(id).orElseThrow(() -> ProblemException.notFound("bill import", id));
    }
}
