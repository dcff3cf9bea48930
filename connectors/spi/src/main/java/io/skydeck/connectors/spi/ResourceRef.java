package io.skydeck.connectors.spi;

import java.util.Objects;

/** A resource as the provider names it: its type, the provider's id, and its region. */
public record ResourceRef(ResourceType type, String id, String region) {
    public ResourceRef {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(region, "region");
    }
}
