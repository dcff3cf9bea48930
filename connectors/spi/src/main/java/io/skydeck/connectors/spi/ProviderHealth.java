package io.skydeck.connectors.spi;

import java.time.Instant;
import java.util.Objects;

/** What a cheap call to the provider (authenticate, list regions) said, and when. */
public record ProviderHealth(State state, String detail, Instant checkedAt) {
    public enum State { UP, DEGRADED, DOWN }

    public ProviderHealth {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(checkedAt, "checkedAt");
    }
}
