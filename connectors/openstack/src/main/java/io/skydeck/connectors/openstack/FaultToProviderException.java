package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.ResponseException;

import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps what OpenStack answered to the SPI's errors. The status decides the case; the fault's
 * name and message refine it, because Nova and Neutron report a quota as 403, 409 or 413
 * depending on release and service, and an unknown flavor or image in a create as 400.
 */
final class FaultToProviderException {
    // Nova's create: "Flavor 99 could not be found.", "Image abc could not be found.", "Network x could not be found."
    private static final Pattern UNKNOWN_REFERENCE = Pattern.compile(
            "(?i)\\b(flavor|image|network|availability zone)\\b[^.]*?(?:could not be found|is not available|not found)");

    private final String provider;

    FaultToProviderException(String provider) {
        this.provider = provider;
    }

    /** An error response: status plus the provider's message; {@code target} names what the call was about. */
    ProviderException fromStatus(int status, String fallbackMessage, Target target) {
        return fromStatus(status, fallbackMessage, target, null);
    }

    private ProviderException fromStatus(int status, String fallbackMessage, Target target, Throwable cause) {
        Optional<ErrorResponse> recorded = ErrorResponse.last().filter(response -> response.status() == status);
        String message = recorded.flatMap(ErrorResponse::message)
                .or(() -> Optional.ofNullable(fallbackMessage).filter(text -> !text.isBlank()))
                .orElse("HTTP " + status);
        String faultName = recorded.flatMap(ErrorResponse::faultName).orElse(null);
        // Keystone wraps every fault in {"error": {...}}: its name says nothing, the status does.
        String code = faultName == null || "error".equals(faultName) ? String.valueOf(status) : faultName;
        Optional<Duration> retryAfter = recorded.flatMap(ErrorResponse::retryAfter);
        boolean quota = isQuota(message, faultName);

        if (status == 401) {
            return new AuthenticationFailed(provider, message, code, cause);
        }
        if (quota && (status == 403 || status == 409 || status == 413 || status == 429)) {
            return new QuotaExceeded(provider, message, code, cause);
        }
        if (status == 403) {
            return new AuthenticationFailed(provider, message, code, cause);
        }
        if (status == 404) {
            return new ResourceNotFound(provider, target.type(), target.id(), message, code, cause);
        }
        if (status == 413 || status == 429) {
            return new Throttled(provider, message, retryAfter.orElse(null), code, cause);
        }
        if (status == 400) {
            Matcher unknown = UNKNOWN_REFERENCE.matcher(message);
            if (unknown.find()) {
                return new ResourceNotFound(provider, referenceType(unknown.group(1)), target.id(), message, code, cause);
            }
        }
        if (status >= 500) {
            // A 503 that says when to come back is a throttle in all but name; the SPI carries Retry-After only on Throttled.
            if (status == 503 && retryAfter.isPresent()) {
                return new Throttled(provider, message, retryAfter.get(), code, cause);
            }
            return new ProviderUnavailable(provider, message, code, cause);
        }
        return new RequestRejected(provider, message, code, cause);
    }

    /** Anything OpenStack4j threw while a call ran. */
    ProviderException fromThrowable(RuntimeException failure, Target target) {
        if (failure instanceof ProviderException already) {
            return already;
        }
        if (failure instanceof ConnectionException connection) {
            if (causedBy(connection, InterruptedIOException.class)) {
                return new ProviderTimeout(provider, "no answer within the read timeout: " + connection.getMessage(),
                        "timeout", connection);
            }
            return new ProviderUnavailable(provider, "cannot reach OpenStack: " + connection.getMessage(), "connection", connection);
        }
        if (failure instanceof ResponseException response && response.getStatus() >= 400) {
            return fromStatus(response.getStatus(), response.getMessage(), target, response);
        }
        if (causedBy(failure, InterruptedIOException.class)) {
            return new ProviderTimeout(provider, "no answer within the read timeout: " + failure.getMessage(), "timeout", failure);
        }
        // Typically Jackson failing on a body that is not the documented shape.
        return new ProviderUnavailable(provider, "unreadable answer from OpenStack: " + failure.getMessage(), "malformed", failure);
    }

    private static boolean isQuota(String message, String faultName) {
        String lower = message.toLowerCase(Locale.ROOT);
        return lower.contains("quota exceeded") || lower.contains("quota_exceeded")
                || "OverQuota".equals(faultName) || lower.contains("exceeded quota");
    }

    private static ResourceType referenceType(String word) {
        return switch (word.toLowerCase(Locale.ROOT)) {
            case "flavor" -> ResourceType.FLAVOR;
            case "image" -> ResourceType.IMAGE;
            case "network" -> ResourceType.NETWORK;
            default -> ResourceType.ZONE;
        };
    }

    private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    /** What a call was about, for "not found" errors. */
    record Target(ResourceType type, String id) {
        static Target of(ResourceType type, String id) {
            return new Target(type, id);
        }
    }
}
