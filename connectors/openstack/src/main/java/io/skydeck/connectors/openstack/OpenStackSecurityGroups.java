package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import org.openstack4j.api.Builders;
import org.openstack4j.api.OSClient.OSClientV3;
import org.openstack4j.model.network.Resource;
import org.openstack4j.model.network.SecurityGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Neutron security groups and rules; synchronous like the rest of Neutron. */
final class OpenStackSecurityGroups implements SecurityGroups {
    private final OpenStackSession session;

    OpenStackSecurityGroups(OpenStackSession session) {
        this.session = session;
    }

    @Override
    public OperationHandle create(SecurityGroupSpec spec, IdempotencyToken token) {
        session.requireRegion(spec.region());
        String id = session.call(spec.region(), Target.of(ResourceType.SECURITY_GROUP, spec.name()), os -> {
            Optional<? extends SecurityGroup> earlier = groupsTagged(os, token).stream().findFirst();
            if (earlier.isPresent()) {
                return earlier.get().getId();
            }
            SecurityGroup created = os.networking().securitygroup().create(
                    Builders.securityGroup().name(spec.name()).description(spec.description()).build());
            NeutronTagging.replace(os, Resource.SECURITY_GROUP, created.getId(), NeutronTags.encode(spec.tags(), Optional.of(token)));
            for (SecurityRule rule : spec.rules()) {
                addRule(os, created.getId(), rule);
            }
            return created.getId();
        });
        return session.handle(OperationKind.CREATE, ResourceType.SECURITY_GROUP, id, spec.region(), Optional.of(token));
    }

    @Override
    public OperationHandle delete(String groupId, IdempotencyToken token) {
        String region = session.regions().get(0);
        Target what = Target.of(ResourceType.SECURITY_GROUP, groupId);
        session.call(region, what, os -> {
            var response = os.networking().securitygroup().delete(groupId);
            if (!response.isSuccess() && response.getCode() == 409) {
                // SecurityGroupInUse: ports still use it.
                throw new RequestRejected(session.provider(), response.getFault(), "409", null);
            }
            session.requireSuccess(response, what);
            return null;
        });
        return session.handle(OperationKind.DELETE, ResourceType.SECURITY_GROUP, groupId, region, Optional.of(token));
    }

    @Override
    public OperationHandle addRule(String groupId, SecurityRule rule) {
        String region = session.regions().get(0);
        String ruleId = session.call(region, Target.of(ResourceType.SECURITY_GROUP, groupId), os -> addRule(os, groupId, rule));
        return session.handle(OperationKind.CREATE, ResourceType.SECURITY_GROUP_RULE, ruleId, region, Optional.empty(), groupId);
    }

    /** A rule the group already has is success: Neutron's 409 SecurityGroupRuleExists names it, we look it up. */
    private String addRule(OSClientV3 os, String groupId, SecurityRule rule) {
        Optional<String> existing = existingRule(os, groupId, rule);
        if (existing.isPresent()) {
            return existing.get();
        }
        return os.networking().securityrule().create(SecurityRuleToNeutronRule.convert(groupId, rule)).getId();
    }

    private static Optional<String> existingRule(OSClientV3 os, String groupId, SecurityRule rule) {
        SecurityGroup group = os.networking().securitygroup().get(groupId);
        if (group == null || group.getRules() == null) {
            return Optional.empty();
        }
        return group.getRules().stream()
                .map(NeutronRuleToSecurityRule::convert)
                .flatMap(Optional::stream)
                .filter(stored -> stored.rule().equals(rule))
                .map(ProviderSecurityRule::id)
                .findFirst();
    }

    @Override
    public OperationHandle removeRule(String groupId, String ruleId) {
        String region = session.regions().get(0);
        session.call(region, Target.of(ResourceType.SECURITY_GROUP_RULE, ruleId), os -> {
            os.networking().securityrule().delete(ruleId);
            return null;
        });
        return session.handle(OperationKind.DELETE, ResourceType.SECURITY_GROUP_RULE, ruleId, region, Optional.empty(), groupId);
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        String groupId = session.detailOf(handle);
        String id = handle.resource().id();
        boolean exists = switch (handle.resource().type()) {
            case SECURITY_GROUP -> get(id).isPresent();
            case SECURITY_GROUP_RULE -> get(groupId).map(group -> group.rules().stream().anyMatch(rule -> rule.id().equals(id))).orElse(false);
            default -> throw new RequestRejected(session.provider(), "not a security group operation: " + handle.operationId());
        };
        var now = session.clock().instant();
        return switch (handle.kind()) {
            case CREATE -> exists ? new OperationStatus.Succeeded(handle, now) : new OperationStatus.Failed(handle, now,
                    new ResourceNotFound(session.provider(), handle.resource().type(), id, "created " + handle.resource().type() + " is gone"));
            case DELETE -> exists ? new OperationStatus.InProgress(handle, "deleting") : new OperationStatus.Succeeded(handle, now);
            default -> throw new RequestRejected(session.provider(), "security groups do not " + handle.kind());
        };
    }

    @Override
    public Optional<ProviderSecurityGroup> get(String groupId) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.SECURITY_GROUP, groupId), os ->
                Optional.ofNullable(os.networking().securitygroup().get(groupId)).map(group -> convert(os, group, region)));
    }

    @Override
    public Optional<ProviderSecurityGroup> findByToken(IdempotencyToken token) {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.SECURITY_GROUP, token.value()), os ->
                groupsTagged(os, token).stream().findFirst().map(group -> convert(os, group, region)));
    }

    @Override
    public List<ProviderSecurityGroup> list() {
        String region = session.regions().get(0);
        return session.call(region, Target.of(ResourceType.SECURITY_GROUP, "*"), os -> {
            List<ProviderSecurityGroup> groups = new ArrayList<>();
            for (SecurityGroup group : os.networking().securitygroup().list()) {
                groups.add(convert(os, group, region));
            }
            return groups;
        });
    }

    private static ProviderSecurityGroup convert(OSClientV3 os, SecurityGroup group, String region) {
        return NeutronConversions.securityGroupToProviderSecurityGroup(group, region,
                NeutronTagging.read(os, Resource.SECURITY_GROUP, group.getId()));
    }

    private static List<? extends SecurityGroup> groupsTagged(OSClientV3 os, IdempotencyToken token) {
        return os.networking().securitygroup().list(Map.of("tags", NeutronTags.tokenTag(token)));
    }
}
