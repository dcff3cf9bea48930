package io.skydeck.connectors.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * A provider refused or failed a call. A closed hierarchy, so that the service maps every case
 * to a problem type and a retry decision knowing there are no others (an instanceof chain on
 * Java 17; an exhaustive pattern switch once we move to 21). Each error keeps the
 * provider's own message and, where it has one, its code ("InstanceLimitExceeded", "413"),
 * because operators search for those words in the provider's documentation.
 *
 * <p>Unchecked, like the SDKs underneath; every SPI method may throw any of these.
 */
public abstract sealed class ProviderException extends RuntimeException
        permits QuotaExceeded, ResourceNotFound, AuthenticationFailed, Throttled,
                ProviderUnavailable, ProviderTimeout, RequestRejected {

    private final String provider;
    private final String providerMessage;
    private final String providerCode;

    protected ProviderException(String provider, String providerMessage, String providerCode, Throwable cause) {
        super("provider " + Objects.requireNonNull(provider, "provider") + ": "
                + Objects.requireNonNull(providerMessage, "providerMessage")
                + (providerCode == null ? "" : " (" + providerCode + ")"), cause);
        this.provider = provider;
        this.providerMessage = providerMessage;
        this.providerCode = providerCode;
    }

    /** The configured provider name, not the kind: "aws-prod", "sandbox". */
    public String provider() {
        return provider;
    }

    /** Verbatim from the provider, for the problem's {@code detail}. */
    public String providerMessage() {
        return providerMessage;
    }

    public Optional<String> providerCode() {
        return Optional.ofNullable(providerCode);
    }

    /**
     * Whether the same call may succeed if repeated later. A {@link ProviderTimeout} is
     * retryable only because every create carries an idempotency token.
     */
    public abstract boolean retryable();
}
