package io.skydeck.connectors.spi;

/**
 * The core asked a provider for something it cannot do. Not a {@link ProviderException}: the
 * provider was never called, and retrying cannot help; it is a placement or configuration
 * mistake that the service reports as a 4xx.
 */
public final class CapabilityNotSupported extends RuntimeException {
    private final String provider;
    private final CapabilityKind capability;

    public CapabilityNotSupported(String provider, CapabilityKind capability) {
        super("provider " + provider + " cannot " + capability.ability());
        this.provider = provider;
        this.capability = capability;
    }

    public String provider() {
        return provider;
    }

    public CapabilityKind capability() {
        return capability;
    }
}
