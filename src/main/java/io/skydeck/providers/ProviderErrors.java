package io.skydeck.providers;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.CapabilityNotSupported;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.Throttled;

/**
 * Names a provider failure for an operation's error: a stable short type (the last segment of
 * the problem type URI) and a sentence carrying the provider's own message.
 */
public final class ProviderErrors {

    private ProviderErrors() {
    }

    public static String type(Throwable error) {
        if (error instanceof QuotaExceeded) {
            return "provider-quota-exceeded";
        } else if (error instanceof ResourceNotFound) {
            return "provider-resource-not-found";
        } else if (error instanceof AuthenticationFailed) {
            return "provider-authentication-failed";
        } else if (error instanceof Throttled) {
            return "provider-throttled";
        } else if (error instanceof ProviderTimeout) {
            return "provider-timeout";
        } else if (error instanceof ProviderUnavailable) {
            return "provider-unavailable";
        } else if (error instanceof RequestRejected) {
            return "provider-rejected";
        } else if (error instanceof CapabilityNotSupported) {
            return "capability-not-supported";
        }
        return "provider-error";
    }

    public static String detail(Throwable error) {
        // A ProviderException's message already names its provider ("provider osp: …").
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }
}
