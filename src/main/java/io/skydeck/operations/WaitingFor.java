package io.skydeck.operations;

/**
 * Thrown by a handler's {@link OperationHandler#submit} before it calls the provider, when what the
 * operation needs is not there yet — a server's create whose default network is still being made —
 * or never will be. The runner looks again later without counting an attempt (waiting is not
 * failing), up to the operation's deadline; a prerequisite that failed fails the operation at once,
 * undone by the handler like any failure, with the type and detail given here.
 */
public final class WaitingFor extends RuntimeException {

    private final String failedType;

    private WaitingFor(String detail, String failedType) {
        super(detail, null, false, false);
        this.failedType = failedType;
    }

    /** Not yet: look again later. {@code detail} says what is awaited. */
    public static WaitingFor notYet(String detail) {
        return new WaitingFor(detail, null);
    }

    /** It will never come: the operation fails with {@code type} (e.g. {@code network-failed}) and {@code detail}. */
    public static WaitingFor failed(String type, String detail) {
        return new WaitingFor(detail, type);
    }

    public boolean hasFailed() {
        return failedType != null;
    }

    public String failedType() {
        return failedType;
    }
}
