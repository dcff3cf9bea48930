package io.skydeck.connectors.spi;

import java.util.Objects;

/** A size a server can be created with: a Nova flavor, an EC2 instance type. */
public record Flavor(String id, String name, Resources resources, int diskGiB) {
    public Flavor {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(resources, "resources");
    }
}
