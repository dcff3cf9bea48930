package io.skydeck.platform.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.skydeck.platform.web.RequestIds;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import java.util.List;
import java.util.Map;

/** Builds problem+json responses; the one place that decides how a problem looks on the wire. */
@ApplicationScoped
public class ProblemResponses {

    @Inject
    ObjectMapper json;

    @Inject
    CurrentVertxRequest request;

    public Response of(ProblemType type, String detail) {
        return of(type, detail, List.of(), Map.of());
    }

    public Response of(ProblemType type, String detail, List<Problem.FieldError> errors, Map<String, String> headers) {
        var rc = request.getCurrent();
        String instance = rc == null ? null : rc.request().path();
        Problem problem = new Problem(type.uri(), type.title(), type.status(), detail, instance, RequestIds.of(rc), errors);
        Response.ResponseBuilder response = Response.status(type.status())
                .type(Problem.MEDIA_TYPE)
                .entity(write(problem));
        headers.forEach(response::header);
        return response.build();
    }

    private String write(Problem problem) {
        try {
            return json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            return "{\"type\":\"" + problem.type() + "\",\"status\":" + problem.status() + "}";
        }
    }
}
