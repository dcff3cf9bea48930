package io.skydeck.connectors.spi;

/** The provider refused the request as invalid or conflicting: another 4xx, an idempotency token reused with different parameters, an action the resource's state forbids. Repeating it unchanged cannot help. */
public final class RequestRejected extends ProviderException {

    public RequestRejected(String provider, String providerMessage) {
        this(provider, providerMessage, null, null);
    }

    public RequestRejected(String provider, String providerMessage, String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
