package io.skydeck.console;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.net.URI;

/**
 * {@code /console}: the web console is static files under {@code META-INF/resources/console/}
 * (served at {@code /console/}) that call this API with the caller's own token. This only sends
 * {@code /console} on to {@code /console/}; browsers keep the URL fragment across the redirect, so
 * the token command's {@code /console#token=…} link still reaches the page, and the token, being
 * in the fragment, never reaches the server.
 */
@Path("/console")
public class ConsoleResource {

    @GET
    @PermitAll
    @Operation(hidden = true)
    public Response console() {
        return Response.status(Response.Status.FOUND).location(URI.create("/console/")).build();
    }
}
