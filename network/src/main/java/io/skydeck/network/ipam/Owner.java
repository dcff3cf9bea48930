package io.skydeck.network.ipam;

import java.util.Objects;

/** What an address is for: {@code ("server", id)}, {@code ("workload", id)}, a port, … */
public record Owner(String type, String id) {
    public Owner {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
    }
}
