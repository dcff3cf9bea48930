package io.skydeck.connectors.spi;

import java.util.Objects;

/** What one hour of a flavor costs in a region, before any discount of Skydeck's own. */
public record FlavorPrice(String flavorId, String region, Money hourly) {
    public FlavorPrice {
        Objects.requireNonNull(flavorId, "flavorId");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(hourly, "hourly");
    }
}
