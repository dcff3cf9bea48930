package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Security groups and rules. Like networks, a group or rule exists from acceptance and its
 * operation finishes after the network latency; a failed create removes it again. A rule
 * operation's argument is its group's id.
 */
final class SandboxSecurityGroups implements SecurityGroups, SandboxCloud.Settler {
    private final SandboxCloud cloud;

    SandboxSecurityGroups(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public OperationHandle create(SecurityGroupSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.CREATE_SECURITY_GROUP, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_SECURITY_GROUP, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            cloud.topology().region(spec.region()).orElseThrow(() -> cloud.notFound(ResourceType.REGION, spec.region()));
            var state = cloud.state();
            spec.networkId().filter(id -> !state.networks.containsKey(id)).ifPresent(id -> {
                throw cloud.notFound(ResourceType.NETWORK, id);
            });
            spec.rules().forEach(rule -> requireRemoteGroup(rule));
            String id = state.newId("sg");
            var rules = spec.rules().stream().map(rule -> new ProviderSecurityRule(state.newId("sgr"), rule)).toList();
            var group = new ProviderSecurityGroup(id, spec.name(), spec.region(), spec.description(), spec.networkId(), rules,
                    Optional.of(token), spec.tags());
            state.securityGroups.put(id, group);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, new ResourceRef(ResourceType.SECURITY_GROUP, id, spec.region()),
                    Optional.of(token), cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_SECURITY_GROUP, spec, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle delete(String groupId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_SECURITY_GROUP, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_SECURITY_GROUP, groupId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var group = existing(groupId);
            var pending = cloud.pendingOn(groupId);
            if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
                return pending.get().handle(cloud.name());
            }
            pending.ifPresent(op -> cloud.supersede(op, acceptance.now(), "security group " + groupId + " was deleted"));
            var handle = cloud.accept(acceptance, OperationKind.DELETE, new ResourceRef(ResourceType.SECURITY_GROUP, groupId, group.region()),
                    Optional.of(token), cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.DELETE_SECURITY_GROUP, groupId, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle addRule(String groupId, SecurityRule rule) {
        return cloud.mutate(SandboxCall.ADD_RULE, acceptance -> {
            var group = existing(groupId);
            requireRemoteGroup(rule);
            var same = group.rules().stream().filter(existing -> existing.rule().equals(rule)).findFirst();
            if (same.isPresent()) {
                return cloud.acceptNothingToDo(acceptance, OperationKind.CREATE, ruleRef(group, same.get().id()));
            }
            var state = cloud.state();
            var added = new ProviderSecurityRule(state.newId("sgr"), rule);
            var rules = new ArrayList<>(group.rules());
            rules.add(added);
            state.securityGroups.put(groupId, withRules(group, rules));
            return cloud.accept(acceptance, OperationKind.CREATE, ruleRef(group, added.id()), Optional.empty(),
                    cloud.topology().latency().network(), Optional.of(groupId));
        });
    }

    @Override
    public OperationHandle removeRule(String groupId, String ruleId) {
        return cloud.mutate(SandboxCall.REMOVE_RULE, acceptance -> {
            var group = existing(groupId);
            if (group.rules().stream().noneMatch(rule -> rule.id().equals(ruleId))) {
                throw cloud.notFound(ResourceType.SECURITY_GROUP_RULE, ruleId);
            }
            var pending = cloud.pendingOn(ruleId);
            if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
                return pending.get().handle(cloud.name());
            }
            return cloud.accept(acceptance, OperationKind.DELETE, ruleRef(group, ruleId), Optional.empty(),
                    cloud.topology().latency().network(), Optional.of(groupId));
        });
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_SECURITY_GROUPS);
    }

    @Override
    public Optional<ProviderSecurityGroup> get(String groupId) {
        return cloud.read(SandboxCall.READ_SECURITY_GROUPS, () -> Optional.ofNullable(cloud.state().securityGroups.get(groupId)));
    }

    @Override
    public Optional<ProviderSecurityGroup> findByToken(IdempotencyToken token) {
        return cloud.read(SandboxCall.READ_SECURITY_GROUPS, () -> cloud.state().securityGroups.values().stream()
                .filter(group -> group.token().equals(Optional.of(token))).findFirst());
    }

    @Override
    public List<ProviderSecurityGroup> list() {
        return cloud.read(SandboxCall.READ_SECURITY_GROUPS, () -> List.copyOf(cloud.state().securityGroups.values()));
    }

    @Override
    public void finish(SandboxOperation operation) {
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        boolean gone = operation.kind() == OperationKind.DELETE ? ok : !ok;
        if (!gone) {
            return;
        }
        var state = cloud.state();
        if (operation.resource().type() == ResourceType.SECURITY_GROUP) {
            state.securityGroups.remove(operation.resource().id());
            return;
        }
        var group = state.securityGroups.get(operation.argument().orElseThrow());
        if (group != null) {
            var rules = group.rules().stream().filter(rule -> !rule.id().equals(operation.resource().id())).toList();
            state.securityGroups.put(group.id(), withRules(group, rules));
        }
    }

    /** Like Neutron and EC2, a rule may only name a group that exists. */
    private void requireRemoteGroup(SecurityRule rule) {
        rule.remoteGroupId().filter(id -> !cloud.state().securityGroups.containsKey(id)).ifPresent(id -> {
            throw cloud.notFound(ResourceType.SECURITY_GROUP, id);
        });
    }

    private ProviderSecurityGroup existing(String groupId) {
        var group = cloud.state().securityGroups.get(groupId);
        if (group == null) {
            throw cloud.notFound(ResourceType.SECURITY_GROUP, groupId);
        }
        return group;
    }

    private static ResourceRef ruleRef(ProviderSecurityGroup group, String ruleId) {
        return new ResourceRef(ResourceType.SECURITY_GROUP_RULE, ruleId, group.region());
    }

    private static ProviderSecurityGroup withRules(ProviderSecurityGroup g, List<ProviderSecurityRule> rules) {
        return new ProviderSecurityGroup(g.id(), g.name(), g.region(), g.description(), g.networkId(), rules, g.token(), g.tags());
    }
}
