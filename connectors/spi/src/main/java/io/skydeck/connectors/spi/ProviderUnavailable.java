package io.skydeck.connectors.spi;

/** A transient failure: 5xx, connection refused, the cloud has no valid host right now. */
public final class ProviderUnavailable extends ProviderException {

    public ProviderUnavailable(String provider, String providerMessage) {
        this(provider, providerMessage, null, null);
    }

    public ProviderUnavailable(String provider, String providerMessage, String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
