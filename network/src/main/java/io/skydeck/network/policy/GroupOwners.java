package io.skydeck.network.policy;

import java.util.Optional;

/** Which tenant owns a security group, for checking rules that name another group; empty if none has that id. */
@FunctionalInterface
public interface GroupOwners {
    Optional<String> tenantOf(String groupId);
}
