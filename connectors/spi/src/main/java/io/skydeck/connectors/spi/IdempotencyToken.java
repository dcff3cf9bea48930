package io.skydeck.connectors.spi;

import java.util.Objects;

/**
 * A client token that makes a create safe to repeat: the provider returns the resource the
 * first call created. Limited to what every target accepts: EC2's ClientToken takes at most
 * 64 ASCII characters, Kubernetes label values 63 characters of {@code [A-Za-z0-9._-]}; so the
 * service derives a token of at most 63 such characters from the request's Idempotency-Key.
 */
public record IdempotencyToken(String value) {
    public static final int MAX_LENGTH = 63;

    public IdempotencyToken {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("an idempotency token has 1 to " + MAX_LENGTH + " characters: " + value);
        }
        if (!value.matches("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")) {
            throw new IllegalArgumentException(
                    "an idempotency token is letters, digits, '.', '_' and '-', starting and ending alphanumeric: " + value);
        }
    }

    public static IdempotencyToken of(String value) {
        return new IdempotencyToken(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
