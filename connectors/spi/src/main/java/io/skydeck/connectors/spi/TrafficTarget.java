package io.skydeck.connectors.spi;

import java.util.Objects;

/**
 * What carries a group's traffic in one region of a provider: the sandbox load balancer's name,
 * an ELBv2 target group ARN, an Octavia pool id, or a Kubernetes Service as
 * {@code namespace/name}.
 */
public record TrafficTarget(String region, String id) {
    public TrafficTarget {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("a traffic target has an id");
        }
    }
}
