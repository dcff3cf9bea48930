package io.skydeck.platform.problem;

/** The stable problem types Skydeck answers with; the {@code type} URI never changes once published. */
public enum ProblemType {
    VALIDATION(400, "validation", "The request is not valid"),
    MALFORMED_REQUEST(400, "malformed-request", "The request body cannot be read"),
    UNAUTHENTICATED(401, "unauthenticated", "A valid bearer token is required"),
    FORBIDDEN(403, "forbidden", "Your role may not do this"),
    NOT_FOUND(404, "not-found", "No such resource"),
    METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
    NOT_ACCEPTABLE(406, "not-acceptable", "Cannot produce an acceptable representation"),
    CONFLICT(409, "conflict", "The request conflicts with the current state"),
    QUOTA_EXCEEDED(409, "quota-exceeded", "The tenant's quota does not allow this"),
    NO_CAPACITY(409, "no-placement", "No provider, region, zone or host can take this"),
    OPERATION_IN_PROGRESS(409, "operation-in-progress", "Another operation is still running on this resource"),
    OPERATION_NOT_CANCELLABLE(409, "operation-not-cancellable", "This operation cannot be cancelled"),
    PRECONDITION_FAILED(412, "precondition-failed", "The resource has changed since you read it"),
    UNSUPPORTED_MEDIA_TYPE(415, "unsupported-media-type", "Unsupported media type"),
    IDEMPOTENCY_KEY_REUSED(422, "idempotency-key-reused", "The Idempotency-Key was used with a different request"),
    /**
     * A well-formed request that the named provider or traffic target cannot carry out: an A/B
     * release on a target that cannot route by header, a canary by weight on one that cannot weigh.
     */
    TARGET_CANNOT(422, "target-cannot", "The provider or traffic target cannot do this"),
    INTERNAL(500, "internal", "Internal error"),
    /**
     * The database was too busy to finish the request (no connection came free, a deadlock's
     * victim, a lost connection); the transaction rolled back — unless the connection was lost
     * during its commit, when only a retry can tell — so the same request may be sent again after
     * the {@code Retry-After} seconds, with the same {@code Idempotency-Key}.
     */
    BUSY(503, "busy", "The service is busy; send the request again");

    private final int status;
    private final String slug;
    private final String title;

    ProblemType(int status, String slug, String title) {
        this.status = status;
        this.slug = slug;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String uri() {
        return "urn:skydeck:problem:" + slug;
    }

    public static ProblemType forStatus(int status) {
        for (ProblemType type : values()) {
            if (type.status == status) {
                return type;
            }
        }
        return status >= 500 ? INTERNAL : VALIDATION;
    }
}
