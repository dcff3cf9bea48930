package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * VPC security groups and their rules. Rules are addressed by EC2's security group rule ids
 * (sgr-…), which AuthorizeSecurityGroup{Ingress,Egress} return and DescribeSecurityGroupRules
 * lists, so a rule can be removed without restating it.
 */
final class AwsSecurityGroups implements SecurityGroups {
    private final Ec2Gateway ec2;
    private final Ec2Operations operations;

    AwsSecurityGroups(Ec2Gateway ec2, Ec2Operations operations) {
        this.ec2 = ec2;
        this.operations = operations;
    }

    /**
     * Creates the group tagged with the token, then authorizes its rules. A repeat finds the
     * group by tag and authorizes the rules again — duplicates are success — so a create that
     * failed between the two steps is completed by its retry.
     */
    @Override
    public OperationHandle create(SecurityGroupSpec spec, IdempotencyToken token) {
        String vpcId = spec.networkId().orElseThrow(() -> new RequestRejected(ec2.provider(),
                "An EC2 security group belongs to a VPC; the spec '" + spec.name() + "' names none", "MissingParameter", null));
        spec.rules().forEach(this::requireExpressible);
        String region = spec.region();
        String groupId = ec2.call(region, Call.read("DescribeSecurityGroups", Map.of()),
                        client -> groups(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream().findFirst())
                .map(SecurityGroup::groupId)
                .orElseGet(() -> ec2.call(region, Call.once("CreateSecurityGroup", Map.of(ResourceType.NETWORK, vpcId)),
                        client -> client.createSecurityGroup(request -> request
                                .groupName(spec.name())
                                .description(spec.description())
                                .vpcId(vpcId)
                                .tagSpecifications(Ec2Tags.onCreate(software.amazon.awssdk.services.ec2.model.ResourceType.SECURITY_GROUP,
                                        spec.name(), spec.tags(), Optional.of(token))))).groupId());
        ec2.remember(groupId, region);
        spec.rules().forEach(rule -> authorize(region, groupId, rule));
        return operations.accepted(OperationKind.CREATE, ResourceType.SECURITY_GROUP, groupId, region, Optional.of(token), Optional.empty());
    }

    @Override
    public OperationHandle delete(String groupId, IdempotencyToken token) {
        String region = regionOf(groupId);
        // DependencyViolation while instances use the group becomes a RequestRejected.
        ec2.call(region, Call.idempotent("DeleteSecurityGroup", Map.of(ResourceType.SECURITY_GROUP, groupId)),
                client -> client.deleteSecurityGroup(request -> request.groupId(groupId)));
        return operations.accepted(OperationKind.DELETE, ResourceType.SECURITY_GROUP, groupId, region, Optional.of(token), Optional.empty());
    }

    @Override
    public OperationHandle addRule(String groupId, SecurityRule rule) {
        requireExpressible(rule);
        String region = regionOf(groupId);
        String ruleId = authorize(region, groupId, rule);
        return operations.accepted(OperationKind.CREATE, ResourceType.SECURITY_GROUP_RULE, ruleId, region, Optional.empty(),
                Optional.of(groupId));
    }

    @Override
    public OperationHandle removeRule(String groupId, String ruleId) {
        String region = regionOf(groupId);
        var named = Map.of(ResourceType.SECURITY_GROUP, groupId, ResourceType.SECURITY_GROUP_RULE, ruleId);
        // Revoke by rule id needs the direction, which only EC2 knows.
        SecurityGroupRule existing = ec2.call(region, Call.read("DescribeSecurityGroupRules", named),
                        client -> rules(client, List.of(Ec2Tags.filter("group-id", groupId))).stream()
                                .filter(rule -> rule.securityGroupRuleId().equals(ruleId)).findFirst())
                .orElseThrow(() -> new ResourceNotFound(ec2.provider(), ResourceType.SECURITY_GROUP_RULE, ruleId,
                        "The security group rule ID '" + ruleId + "' does not exist in " + groupId, "InvalidSecurityGroupRuleId.NotFound", null));
        if (Boolean.TRUE.equals(existing.isEgress())) {
            ec2.call(region, Call.idempotent("RevokeSecurityGroupEgress", named),
                    client -> client.revokeSecurityGroupEgress(request -> request.groupId(groupId).securityGroupRuleIds(ruleId)));
        } else {
            ec2.call(region, Call.idempotent("RevokeSecurityGroupIngress", named),
                    client -> client.revokeSecurityGroupIngress(request -> request.groupId(groupId).securityGroupRuleIds(ruleId)));
        }
        return operations.accepted(OperationKind.DELETE, ResourceType.SECURITY_GROUP_RULE, ruleId, region, Optional.empty(),
                Optional.of(groupId));
    }

    @Override
    public Optional<ProviderSecurityGroup> get(String groupId) {
        var read = Call.read("DescribeSecurityGroups", Map.of(ResourceType.SECURITY_GROUP, groupId));
        return ec2.locate(groupId, (region, client) -> group(client, groupId), read).map(located -> ec2.call(located.region(),
                Call.read("DescribeSecurityGroupRules", Map.of(ResourceType.SECURITY_GROUP, groupId)), client -> convert(
                        located.value(), located.region(), rules(client, List.of(Ec2Tags.filter("group-id", groupId))))));
    }

    @Override
    public Optional<ProviderSecurityGroup> findByToken(IdempotencyToken token) {
        return ec2.callEveryRegion(Call.read("DescribeSecurityGroups", Map.of()), (region, client) ->
                groups(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream()
                        .map(group -> convert(group, region, rules(client, List.of(Ec2Tags.filter("group-id", group.groupId())))))
                        .toList()).stream().findFirst();
    }

    @Override
    public boolean groupReferencesPerFamily() {
        return false; // An EC2 group pair (UserIdGroupPairs) admits both families: one permission per group reference.
    }

    @Override
    public List<ProviderSecurityGroup> list() {
        return ec2.callEveryRegion(Call.read("DescribeSecurityGroups", Map.of()), (region, client) -> {
            var allRules = rules(client, List.of());
            return groups(client, List.of(), List.of()).stream().map(group -> convert(group, region,
                    allRules.stream().filter(rule -> group.groupId().equals(rule.groupId())).toList())).toList();
        });
    }

    /** Security group changes take effect in the call; polling confirms by looking. */
    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        var resource = handle.resource();
        boolean exists;
        if (resource.type() == ResourceType.SECURITY_GROUP) {
            exists = ec2.call(resource.region(), Call.read("DescribeSecurityGroups", Map.of(ResourceType.SECURITY_GROUP, resource.id())),
                    client -> group(client, resource.id())).isPresent();
        } else {
            String groupId = Ec2Operations.argument(handle).orElseThrow();
            exists = ec2.call(resource.region(), Call.read("DescribeSecurityGroupRules", Map.of(ResourceType.SECURITY_GROUP, groupId)),
                    client -> rules(client, List.of(Ec2Tags.filter("group-id", groupId))).stream()
                            .anyMatch(rule -> rule.securityGroupRuleId().equals(resource.id())));
        }
        if (handle.kind() == OperationKind.DELETE) {
            return exists ? operations.inProgress(handle, "still present") : operations.succeeded(handle);
        }
        return exists ? operations.succeeded(handle) : operations.createdButNotVisible(handle);
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** Refused before any call, so that a group is never created with only part of its rules. */
    private void requireExpressible(SecurityRule rule) {
        try {
            SecurityRuleToIpPermission.requireExpressible(rule);
        } catch (IllegalArgumentException inexpressible) {
            throw new RequestRejected(ec2.provider(), inexpressible.getMessage(), "InexpressibleRule", null);
        }
    }

    /** Authorizes one rule and answers its id; an identical existing rule is success (InvalidPermission.Duplicate). */
    private String authorize(String region, String groupId, SecurityRule rule) {
        var permission = SecurityRuleToIpPermission.convert(rule);
        boolean egress = rule.direction() == SecurityRule.Direction.EGRESS;
        String action = egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress";
        Optional<String> added = ec2.call(region, Call.idempotent(action, Map.of(ResourceType.SECURITY_GROUP, groupId)), client -> {
            try {
                var created = egress
                        ? client.authorizeSecurityGroupEgress(request -> request.groupId(groupId).ipPermissions(permission)).securityGroupRules()
                        : client.authorizeSecurityGroupIngress(request -> request.groupId(groupId).ipPermissions(permission)).securityGroupRules();
                return created.stream().map(SecurityGroupRule::securityGroupRuleId).findFirst();
            } catch (AwsServiceException error) {
                if (error.awsErrorDetails() != null && "InvalidPermission.Duplicate".equals(error.awsErrorDetails().errorCode())) {
                    return Optional.empty();
                }
                throw error;
            }
        });
        return added.or(() -> existingRuleId(region, groupId, rule)).orElseThrow(() -> new ProviderUnavailable(ec2.provider(),
                action + " on " + groupId + " succeeded but EC2 lists no such rule", null, null));
    }

    private Optional<String> existingRuleId(String region, String groupId, SecurityRule rule) {
        return ec2.call(region, Call.read("DescribeSecurityGroupRules", Map.of(ResourceType.SECURITY_GROUP, groupId)),
                client -> rules(client, List.of(Ec2Tags.filter("group-id", groupId))).stream()
                        .map(SecurityRuleToIpPermission::convert).flatMap(Optional::stream)
                        .filter(existing -> existing.rule().equals(rule))
                        .map(ProviderSecurityRule::id).findFirst());
    }

    private ProviderSecurityGroup convert(SecurityGroup group, String region, List<SecurityGroupRule> rules) {
        var expressed = new ArrayList<ProviderSecurityRule>();
        var inexpressible = new ArrayList<String>();
        for (SecurityGroupRule rule : rules) {
            SecurityRuleToIpPermission.convert(rule).ifPresentOrElse(expressed::add,
                    () -> inexpressible.add(SecurityRuleToIpPermission.describe(rule)));
        }
        return new ProviderSecurityGroup(group.groupId(), group.groupName(), region,
                group.description() == null ? "" : group.description(), Optional.ofNullable(group.vpcId()),
                expressed, Ec2Tags.token(group.tags()), Ec2Tags.userTags(group.tags()), inexpressible);
    }

    private String regionOf(String groupId) {
        return ec2.regionOf(groupId, (region, client) -> group(client, groupId),
                Call.read("DescribeSecurityGroups", Map.of(ResourceType.SECURITY_GROUP, groupId)),
                () -> new ResourceNotFound(ec2.provider(), ResourceType.SECURITY_GROUP, groupId,
                        "The security group '" + groupId + "' does not exist in any configured region", "InvalidGroup.NotFound", null));
    }

    private static Optional<SecurityGroup> group(Ec2Client client, String groupId) {
        return Ec2Gateway.unlessMissing(() -> groups(client, List.of(), List.of(groupId)).stream().findFirst());
    }

    private static List<SecurityGroup> groups(Ec2Client client, List<Filter> filters, List<String> ids) {
        return client.describeSecurityGroupsPaginator(request -> {
            if (!filters.isEmpty()) {
                request.filters(filters);
            }
            if (!ids.isEmpty()) {
                request.groupIds(ids);
            }
        }).securityGroups().stream().toList();
    }

    private static List<SecurityGroupRule> rules(Ec2Client client, List<Filter> filters) {
        return client.describeSecurityGroupRulesPaginator(request -> {
            if (!filters.isEmpty()) {
                request.filters(filters);
            }
        }).securityGroupRules().stream().toList();
    }
}
