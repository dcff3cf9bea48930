package io.skydeck.platform.web;

import io.skydeck.platform.problem.ProblemException;

import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Parses filter parameters with a 400 that names the parameter. (JAX-RS would answer a
 * failed conversion of a query parameter with 404, which tells the caller nothing.)
 */
public final class QueryParams {

    private QueryParams() {
    }

    public static Optional<UUID> uuid(String name, String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(UUID.fromString(value));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid(name, "must be a UUID");
        }
    }

    public static <E extends Enum<E>> Optional<E> enumValue(String name, String value, Class<E> type) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Enum.valueOf(type, value));
        } catch (IllegalArgumentException e) {
            String allowed = Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
            throw ProblemException.invalid(name, "must be one of " + allowed);
        }
    }
}
