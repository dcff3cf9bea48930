package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;

import java.time.Duration;
import java.util.Optional;

/**
 * A provider error as persisted data, so that an operation that failed before a restart still
 * reports the same error after it.
 */
record RecordedFailure(String kind, String message, Optional<String> code, Optional<Duration> retryAfter,
                       Optional<ResourceType> missingType, Optional<String> missingId) {

    static RecordedFailure of(ProviderException error) {
        Optional<Duration> retryAfter = error instanceof Throttled throttled ? throttled.retryAfter() : Optional.empty();
        Optional<ResourceType> missingType = Optional.empty();
        Optional<String> missingId = Optional.empty();
        if (error instanceof ResourceNotFound notFound) {
            missingType = Optional.of(notFound.type());
            missingId = Optional.of(notFound.id());
        }
        return new RecordedFailure(error.getClass().getSimpleName(), error.providerMessage(), error.providerCode(),
                retryAfter, missingType, missingId);
    }

    ProviderException toException(String provider) {
        String providerCode = code.orElse(null);
        return switch (kind) {
            case "QuotaExceeded" -> new QuotaExceeded(provider, message, providerCode, null);
            case "ResourceNotFound" -> new ResourceNotFound(provider, missingType.orElse(ResourceType.OPERATION),
                    missingId.orElse("?"), message, providerCode, null);
            case "AuthenticationFailed" -> new AuthenticationFailed(provider, message, providerCode, null);
            case "Throttled" -> new Throttled(provider, message, retryAfter.orElse(null), providerCode, null);
            case "ProviderTimeout" -> new ProviderTimeout(provider, message, providerCode, null);
            case "RequestRejected" -> new RequestRejected(provider, message, providerCode, null);
            default -> new ProviderUnavailable(provider, message, providerCode, null);
        };
    }
}
