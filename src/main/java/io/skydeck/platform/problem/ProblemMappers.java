package io.skydeck.platform.problem;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.inject.Inject;
import jakarta.persistence.OptimisticLockException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.hibernate.StaleObjectStateException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns every failure into problem+json. Client mistakes are 4xx with a detail that says
 * what to fix; a busy database ({@link DatabaseBusy}) is a 503 to retry; anything unexpected is
 * a 500 that carries the request id and no stack trace.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    private static final Map<String, String> BEARER_CHALLENGE = Map.of("WWW-Authenticate", "Bearer");

    @Inject
    ProblemResponses problems;

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return problems.of(e.type(), e.getMessage(), e.errors(), e.headers());
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(fieldOf(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
        return problems.of(ProblemType.VALIDATION, detail, errors, Map.of());
    }

    @ServerExceptionMapper({JsonParseException.class})
    public Response malformed(JsonParseException e) {
        return problems.of(ProblemType.MALFORMED_REQUEST,
                "malformed JSON at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                        + ": " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response unknownField(UnrecognizedPropertyException e) {
        String field = path(e);
        return problems.of(ProblemType.MALFORMED_REQUEST, "unknown field '" + field + "'",
                List.of(new Problem.FieldError(field, "unknown field")), Map.of());
    }

    @ServerExceptionMapper({InvalidFormatException.class, MismatchedInputException.class})
    public Response wrongType(MismatchedInputException e) {
        String field = path(e);
        String expected = e.getTargetType() == null ? "another type" : e.getTargetType().getSimpleName();
        String message = field.isEmpty() ? "the body must be a JSON object" : "expected " + expected;
        return problems.of(ProblemType.MALFORMED_REQUEST, (field.isEmpty() ? "" : field + ": ") + message,
                field.isEmpty() ? List.of() : List.of(new Problem.FieldError(field, message)), Map.of());
    }

    @ServerExceptionMapper
    public Response otherMapping(JsonMappingException e) {
        return problems.of(ProblemType.MALFORMED_REQUEST, "the body cannot be read: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthenticated(RuntimeException e) {
        return problems.of(ProblemType.UNAUTHENTICATED, "send a valid token as 'Authorization: Bearer <token>'",
                List.of(), BEARER_CHALLENGE);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problems.of(ProblemType.FORBIDDEN, "your role may not call this endpoint");
    }

    @ServerExceptionMapper({OptimisticLockException.class, StaleObjectStateException.class})
    public Response stale(RuntimeException e) {
        return problems.of(ProblemType.PRECONDITION_FAILED, "the resource was changed concurrently; read it again and retry");
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("request failed", e);
            return problems.of(ProblemType.INTERNAL, "internal error; quote the request id when reporting it");
        }
        // The JSON reader wraps parse failures; answer with what actually went wrong.
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof JsonParseException parse) {
                return malformed(parse);
            }
            if (cause instanceof UnrecognizedPropertyException unknown) {
                return unknownField(unknown);
            }
            if (cause instanceof MismatchedInputException mismatch) {
                return wrongType(mismatch);
            }
            if (cause instanceof JsonProcessingException other) {
                return problems.of(ProblemType.MALFORMED_REQUEST, "the body cannot be read: " + other.getOriginalMessage());
            }
        }
        ProblemType type = ProblemType.forStatus(status);
        return problems.of(type, e.getMessage() == null ? type.title() : e.getMessage());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof ProblemException p) {
                return problem(p);
            }
            if (cause instanceof OptimisticLockException || cause instanceof StaleObjectStateException) {
                return stale((RuntimeException) cause);
            }
            if (cause instanceof java.sql.SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("22")) {
                // SQL class 22 is "data exception": a value the client sent (a NUL byte in an id,
                // a number out of range) that the database cannot take. The client's mistake.
                return problems.of(ProblemType.VALIDATION, "a value in the request cannot be stored or looked up: "
                        + firstLine(sql.getMessage()));
            }
            if (cause instanceof org.hibernate.exception.ConstraintViolationException duplicate
                    && "23505".equals(duplicate.getSQLState())) {
                // Two requests raced past the service's own uniqueness check; the database decided.
                return problems.of(ProblemType.CONFLICT, "a resource with the same unique name was created concurrently");
            }
            cause = cause.getCause();
        }
        var busy = DatabaseBusy.reason(e);
        if (busy.isPresent()) {
            LOG.warnf("request refused as busy: %s (%s)", busy.get(), e.toString());
            return problems.of(ProblemType.BUSY, busy.get()
                    + "; send the request again (with the same Idempotency-Key it is done at most once)", List.of(),
                    Map.of("Retry-After", "1"));
        }
        LOG.error("request failed", e);
        return problems.of(ProblemType.INTERNAL, "internal error; quote the request id when reporting it");
    }

    private static String firstLine(String message) {
        return message == null ? "" : message.lines().findFirst().orElse("").replace("\u0000", "");
    }

    private static String fieldOf(ConstraintViolation<?> v) {
        // "create.request.name" -> "name": drop the method and parameter segments.
        String path = v.getPropertyPath().toString();
        String[] parts = path.split("\\.");
        return parts.length > 2 ? String.join(".", java.util.Arrays.copyOfRange(parts, 2, parts.length)) : path;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
