package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A security group as the provider holds it now. {@code rules} are the rules a
 * {@link SecurityRule} can express; {@code inexpressibleRules} describe, one line each and
 * starting with the provider's rule id where it has one, the rules it cannot (an EC2 prefix list,
 * a Neutron GRE rule, a NetworkPolicy peer selecting pods by other labels) — so that drift sees a
 * rule added behind Skydeck's back even when Skydeck could not have written it.
 */
public record ProviderSecurityGroup(String id, String name, String region, String description,
                                    Optional<String> networkId, List<ProviderSecurityRule> rules,
                                    Optional<IdempotencyToken> token, Map<String, String> tags,
                                    List<String> inexpressibleRules) {
    public ProviderSecurityGroup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(networkId, "networkId");
        rules = List.copyOf(rules);
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
        // null: state saved before the field existed.
        inexpressibleRules = inexpressibleRules == null ? List.of() : List.copyOf(inexpressibleRules);
    }

    /** A group all of whose rules Skydeck can express. */
    public ProviderSecurityGroup(String id, String name, String region, String description, Optional<String> networkId,
                                 List<ProviderSecurityRule> rules, Optional<IdempotencyToken> token, Map<String, String> tags) {
        this(id, name, region, description, networkId, rules, token, tags, List.of());
    }
}
