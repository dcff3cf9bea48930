package io.skydeck.connectors.spi;

import java.util.Objects;

/** A rule as the provider stored it, with the id needed to remove it. */
public record ProviderSecurityRule(String id, SecurityRule rule) {
    public ProviderSecurityRule {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rule, "rule");
    }
}
