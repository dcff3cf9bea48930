package io.skydeck.connectors.spi;

import java.time.Duration;
import java.util.Optional;

/** Too many requests (HTTP 429, EC2 RequestLimitExceeded); honour {@link #retryAfter()} when given. */
public final class Throttled extends ProviderException {
    private final Duration retryAfter;

    public Throttled(String provider, String providerMessage, Duration retryAfter) {
        this(provider, providerMessage, retryAfter, null, null);
    }

    public Throttled(String provider, String providerMessage, Duration retryAfter, String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
        this.retryAfter = retryAfter;
    }

    /** From a Retry-After header or the provider's equivalent; empty when it said nothing. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
