package io.skydeck.network.policy;

/** One thing wrong with a request: the field's path as the tenant wrote it ("rules[2].portTo") and why. */
public record FieldError(String field, String message) {

    @Override
    public String toString() {
        return field + ": " + message;
    }
}
