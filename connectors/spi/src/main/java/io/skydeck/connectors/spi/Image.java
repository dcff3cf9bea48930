package io.skydeck.connectors.spi;

import java.util.Objects;

/** What a server boots from: a Glance image, an AMI. Users name it; the provider wants the id. */
public record Image(String id, String name) {
    public Image {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
    }
}
