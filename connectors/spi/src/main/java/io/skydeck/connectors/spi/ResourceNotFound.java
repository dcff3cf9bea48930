package io.skydeck.connectors.spi;

import java.util.Objects;

/**
 * The provider does not know the named thing: an unknown flavor or image in a create, or a
 * server, network or operation that is gone.
 */
public final class ResourceNotFound extends ProviderException {
    private final ResourceType type;
    private final String id;

    public ResourceNotFound(String provider, ResourceType type, String id, String providerMessage) {
        this(provider, type, id, providerMessage, null, null);
    }

    public ResourceNotFound(String provider, ResourceType type, String id, String providerMessage,
                            String providerCode, Throwable cause) {
        super(provider, providerMessage, providerCode, cause);
        this.type = Objects.requireNonNull(type, "type");
        this.id = Objects.requireNonNull(id, "id");
    }

    public ResourceType type() {
        return type;
    }

    public String id() {
        return id;
    }

    @Override
    public boolean retryable() {
        return false;
    }
}
