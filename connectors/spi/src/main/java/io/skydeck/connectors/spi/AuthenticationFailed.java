package io.skydeck.connectors.spi;

/** The provider did not accept Skydeck's credentials (Keystone 401, EC2 AuthFailure, Kubernetes 401/403). */
public final class AuthenticationFailed extends ProviderException {

    public AuthenticationFailed(String provider, String providerMessage) {
        this(provider, providerMessage, null, null);
    }

    public AuthenticationFailed(String provider, String providerMessage, String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
    }

    /** Says what failed, so that no one reads a refused password as an unreachable cloud. */
    @Override
    public String getMessage() {
        return "provider " + provider() + ": authentication failed: " + providerMessage()
                + providerCode().map(code -> " (" + code + ")").orElse("");
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
