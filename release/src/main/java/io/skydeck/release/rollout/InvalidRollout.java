package io.skydeck.release.rollout;

/** A policy or plan that cannot be carried out, naming the field at fault. */
public final class InvalidRollout extends IllegalArgumentException {

    private final String field;

    public InvalidRollout(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
