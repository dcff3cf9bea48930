package io.skydeck.connectors.spi;

import java.util.Objects;

/** Per-hour container rates in a region, the way Fargate-like offerings price them. */
public record ContainerPrice(String region, Money perVcpuHour, Money perGibHour) {
    public ContainerPrice {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(perVcpuHour, "perVcpuHour");
        Objects.requireNonNull(perGibHour, "perGibHour");
        if (!perVcpuHour.currency().equals(perGibHour.currency())) {
            throw new IllegalArgumentException("container rates in two currencies: " + perVcpuHour + ", " + perGibHour);
        }
    }
}
