package io.skydeck.network.policy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A security group draft that cannot be accepted, with every field error found — not only the
 * first — so a tenant fixes the request in one round. The service maps it to a 400 problem whose
 * field errors are {@link #errors()}.
 */
public final class InvalidPolicy extends IllegalArgumentException {

    private final List<FieldError> errors;

    public InvalidPolicy(List<FieldError> errors) {
        super(errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
        if (errors.isEmpty()) {
            throw new IllegalArgumentException("an invalid policy has at least one error");
        }
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() {
        return errors;
    }
}
