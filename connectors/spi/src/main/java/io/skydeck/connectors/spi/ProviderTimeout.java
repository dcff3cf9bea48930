package io.skydeck.connectors.spi;

/**
 * No answer in time. The outcome is unknown: the provider may have done the work. Repeat a
 * create with the same idempotency token, or look it up with {@code findByToken}, before
 * concluding anything.
 */
public final class ProviderTimeout extends ProviderException {

    public ProviderTimeout(String provider, String providerMessage) {
        this(provider, providerMessage, null, null);
    }

    public ProviderTimeout(String provider, String providerMessage, String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
    }

    @Override
    public boolean retryable() {
        return true;
    }
}
