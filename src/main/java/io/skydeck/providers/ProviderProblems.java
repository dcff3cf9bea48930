package io.skydeck.providers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.CapabilityNotSupported;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.web.RequestIds;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/**
 * A provider failure met while answering a request (not in an operation, where it becomes the
 * operation's error): problem+json with the same {@code urn:skydeck:problem:provider-…} type an
 * operation would carry and the provider's own message. Failures of the provider or of Skydeck's
 * credentials are 5xx — the caller cannot fix them; a provider refusing the request is a 4xx.
 */
public class ProviderProblems {

    @Inject
    ObjectMapper json;

    @Inject
    CurrentVertxRequest request;

    @ServerExceptionMapper
    public Response provider(ProviderException e) {
        Response.ResponseBuilder response = respond(statusOf(e), ProviderErrors.type(e), titleOf(e), ProviderErrors.detail(e));
        if (e instanceof Throttled throttled) {
            throttled.retryAfter().ifPresent(wait -> response.header("Retry-After", Math.max(1, wait.toSeconds())));
        }
        return response.build();
    }

    @ServerExceptionMapper
    public Response unsupported(CapabilityNotSupported e) {
        return respond(409, ProviderErrors.type(e), "The provider cannot do this", e.getMessage()).build();
    }

    static int statusOf(ProviderException e) {
        if (e instanceof QuotaExceeded) {
            return 409;
        } else if (e instanceof ResourceNotFound) {
            return 404;
        } else if (e instanceof RequestRejected) {
            return 422;
        } else if (e instanceof AuthenticationFailed) {
            return 502; // Skydeck's credentials were refused: an operator must fix them, not the caller
        } else if (e instanceof ProviderTimeout) {
            return 504;
        }
        return 503; // Throttled, ProviderUnavailable (the circuit breaker's fast failures included)
    }

    private static String titleOf(ProviderException e) {
        if (e instanceof QuotaExceeded) {
            return "The provider's quota does not allow this";
        } else if (e instanceof ResourceNotFound) {
            return "The provider does not know this resource";
        } else if (e instanceof RequestRejected) {
            return "The provider rejected the request";
        } else if (e instanceof AuthenticationFailed) {
            return "The provider refused Skydeck's credentials";
        } else if (e instanceof ProviderTimeout) {
            return "The provider did not answer in time";
        } else if (e instanceof Throttled) {
            return "The provider is throttling requests";
        }
        return "The provider is unavailable";
    }

    private Response.ResponseBuilder respond(int status, String slug, String title, String detail) {
        var rc = request.getCurrent();
        Problem problem = new Problem("urn:skydeck:problem:" + slug, title, status, detail,
                rc == null ? null : rc.request().path(), RequestIds.of(rc), List.of());
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            body = "{\"type\":\"" + problem.type() + "\",\"status\":" + status + "}";
        }
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(body);
    }
}
