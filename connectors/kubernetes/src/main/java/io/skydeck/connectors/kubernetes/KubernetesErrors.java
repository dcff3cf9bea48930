package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Turns the API server's answers into the SPI's {@link ProviderException}s, keeping its
 * {@code Status} message verbatim and its {@code reason} as the provider code.
 */
final class KubernetesErrors {
    private final String provider;

    KubernetesErrors(String provider) {
        this.provider = provider;
    }

    /** Runs one API call; {@code type}/{@code id} name the target for a 404. */
    <T> T call(ResourceType type, String id, Supplier<T> apiCall) {
        try {
            return apiCall.get();
        } catch (KubernetesClientException e) {
            throw translate(e, type, id);
        }
    }

    ProviderException translate(KubernetesClientException e, ResourceType type, String id) {
        Status status = e.getStatus();
        String message = message(e, status);
        String reason = status == null || status.getReason() == null || status.getReason().isBlank() ? null : status.getReason();
        int code = e.getCode();
        if (code == 403 && message.contains("exceeded quota")) {
            // ResourceQuota admission answers 403 Forbidden; it is a quota, not a credentials problem.
            return new QuotaExceeded(provider, message, reason, e);
        }
        if (code == 401 || code == 403) {
            return new AuthenticationFailed(provider, message, reason, e);
        }
        if (code == 404) {
            return new ResourceNotFound(provider, type, id, message, reason, e);
        }
        if (code == 429) {
            return new Throttled(provider, message, retryAfter(status), reason, e);
        }
        if (code == 504) {
            return new ProviderTimeout(provider, message, reason, e);
        }
        if (code >= 500) {
            return new ProviderUnavailable(provider, message, reason == null ? Integer.toString(code) : reason, e);
        }
        if (code >= 400) {
            // 400 BadRequest, 409 AlreadyExists/Conflict, 410 Gone, 422 Invalid: repeating it unchanged cannot help.
            return new RequestRejected(provider, message, reason == null ? Integer.toString(code) : reason, e);
        }
        // No HTTP answer at all: the connection failed or timed out.
        if (causedBy(e, TimeoutException.class) || causedBy(e, InterruptedIOException.class)) {
            return new ProviderTimeout(provider, message, null, e);
        }
        return new ProviderUnavailable(provider, message, causedBy(e, ConnectException.class) ? "ConnectionRefused" : null, e);
    }

    /**
     * The API server puts Retry-After in the Status details as well as in the header. fabric8's
     * exception does not carry response headers, so a bare plain-text 429 (priority-and-fairness
     * rejections) arrives without a delay and the caller's own backoff applies.
     */
    private static Duration retryAfter(Status status) {
        if (status == null || status.getDetails() == null || status.getDetails().getRetryAfterSeconds() == null) {
            return null;
        }
        return Duration.ofSeconds(status.getDetails().getRetryAfterSeconds());
    }

    private static String message(KubernetesClientException e, Status status) {
        if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) {
            return status.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
