package io.skydeck.connectors.spi;

/** The provider's own quota or limit stopped the request (Nova 403/413 "Quota exceeded", EC2 InstanceLimitExceeded, a Kubernetes ResourceQuota). */
public final class QuotaExceeded extends ProviderException {

    public QuotaExceeded(String provider, String providerMessage) {
        this(provider, providerMessage, null, null);
    }

    public QuotaExceeded(String provider, String providerMessage, String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
