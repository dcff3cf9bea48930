package io.skydeck.connectors.spi;

import java.util.Objects;

/** An ignition check's answer; {@code detail} says why an instance is not healthy. */
public record InstanceHealth(boolean healthy, String detail) {
    public InstanceHealth {
        Objects.requireNonNull(detail, "detail");
    }

    public static InstanceHealth ok() {
        return new InstanceHealth(true, "healthy");
    }

    public static InstanceHealth failing(String detail) {
        return new InstanceHealth(false, detail);
    }
}
