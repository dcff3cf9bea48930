package io.skydeck.network.policy;

import java.util.List;
import java.util.Objects;

/** A tenant's security group: what its members may send and receive, as a list of allow rules. */
public record SecurityGroup(String id, String tenantId, String name, List<SecurityRule> rules) {

    public SecurityGroup {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(name, "name");
        rules = List.copyOf(rules);
    }
}
