package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;

/** Security groups and their rules (Neutron, EC2). */
public non-sealed interface SecurityGroups extends Capability, TracksOperations {

    OperationHandle create(SecurityGroupSpec spec, IdempotencyToken token);

    /** @throws RequestRejected while servers still use the group */
    OperationHandle delete(String groupId, IdempotencyToken token);

    /**
     * Adds a rule; adding a rule the group already has succeeds without a duplicate (EC2's
     * InvalidPermission.Duplicate is success). The handle's resource is the rule.
     */
    OperationHandle addRule(String groupId, SecurityRule rule);

    OperationHandle removeRule(String groupId, String ruleId);

    Optional<ProviderSecurityGroup> get(String groupId);

    Optional<ProviderSecurityGroup> findByToken(IdempotencyToken token);

    List<ProviderSecurityGroup> list();

    /**
     * Whether a rule naming another group holds for one IP family only, so that a dual-stack
     * network needs an IPv4 and an IPv6 rule per group reference (Neutron's ethertype). EC2's group
     * pairs and NetworkPolicy's pod selectors name no family: one rule covers both, and an IPv6 copy
     * would be a duplicate.
     */
    default boolean groupReferencesPerFamily() {
        return true;
    }
}
