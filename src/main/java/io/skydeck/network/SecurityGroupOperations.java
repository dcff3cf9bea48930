package io.skydeck.network;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.operations.GiveUpAudit;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationHandler;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.providers.ProviderRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * What making, applying and deleting a security group does. A group is made empty and then
 * applied: the apply reads the provider's group, removes every rule not asked for (a provider's
 * default egress rules too) and adds every rule missing, each change waited for outside any
 * transaction, so one code path serves a new group, a change of rules and a re-apply after drift.
 */
@ApplicationScoped
public class SecurityGroupOperations implements OperationHandler {

    private static final Set<OperationKind> KINDS = Set.of(OperationKind.CREATE_SECURITY_GROUP, OperationKind.APPLY_SECURITY_GROUP,
            OperationKind.DELETE_SECURITY_GROUP);

    private static final Duration RULE_CHANGE_WITHIN = Duration.ofSeconds(30);

    @Inject
    TenantSecurityGroupRepository groups;

    @Inject
    NetworkRepository networks;

    @Inject
    SecurityGroupService service;

    @Inject
    ProviderRegistry providers;

    @Inject
    OperationService operations;

    @Inject
    AuditLog audit;

    @Inject
    EntityManager em;

    @Override
    public boolean handles(OperationKind kind) {
        return KINDS.contains(kind);
    }

    static IdempotencyToken createToken(UUID id) {
        return IdempotencyToken.of("skydeck-sg-" + id);
    }

    static IdempotencyToken deleteToken(UUID id) {
        return IdempotencyToken.of("skydeck-sgdel-" + id);
    }

    @Override
    public Optional<OperationHandle> submit(Operation op) {
        TenantSecurityGroup group = QuarkusTransaction.requiringNew().call(() -> groups.findById(op.targetId()));
        SecurityGroups securityGroups = providers.get(group.provider()).require(SecurityGroups.class);
        return switch (op.kind()) {
            case CREATE_SECURITY_GROUP -> {
                Network network = QuarkusTransaction.requiringNew().call(() -> networks.findById(group.networkId()));
                yield Optional.of(securityGroups.create(new SecurityGroupSpec("skydeck-" + group.name(), group.region(),
                        group.description(), Optional.ofNullable(network.providerNetworkId()), List.of(),
                        Map.of("skydeck-tenant", group.tenantId().toString(), "skydeck-security-group", group.id().toString())),
                        createToken(group.id())));
            }
            case APPLY_SECURITY_GROUP -> {
                List<SecurityRule> wanted = QuarkusTransaction.requiringNew().call(() -> service.providerRules(group));
                ProviderSecurityGroup actual = securityGroups.get(group.providerGroupId())
                        .orElseThrow(() -> new ResourceNotFound(group.provider(), ResourceType.SECURITY_GROUP, group.providerGroupId(),
                                "the security group is gone from the provider"));
                RuleChanges changes = RuleChanges.between(wanted, actual.rules(), List.of());
                for (ProviderSecurityRule extra : changes.unexpected()) {
                    ProviderWaits.awaitDone(securityGroups, securityGroups.removeRule(group.providerGroupId(), extra.id()), group.provider(),
                            "the removal of rule", RULE_CHANGE_WITHIN);
                }
                for (SecurityRule missing : changes.missing()) {
                    ProviderWaits.awaitDone(securityGroups, securityGroups.addRule(group.providerGroupId(), missing), group.provider(),
                            "the addition of rule", RULE_CHANGE_WITHIN);
                }
                yield Optional.empty();
            }
            case DELETE_SECURITY_GROUP -> {
                if (group.providerGroupId() == null) {
                    yield Optional.empty();
                }
                try {
                    yield Optional.of(securityGroups.delete(group.providerGroupId(), deleteToken(group.id())));
                } catch (ResourceNotFound gone) {
                    yield Optional.empty();
                }
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a security group operation");
        };
    }

    @Override
    public void succeeded(Operation op, OperationHandle handle, Instant finishedAt) {
        TenantSecurityGroup group = groups.findById(op.targetId());
        switch (op.kind()) {
            case CREATE_SECURITY_GROUP -> {
                group.created(handle.resource().id(), finishedAt);
                audit.record("security-group.created", "security-group", group.id(), group.tenantId(),
                        Map.of("providerGroupId", group.providerGroupId(), "operation", op.id()));
                operations.start(group.tenantId(), OperationKind.APPLY_SECURITY_GROUP, "security-group", group.id(), group.provider(), null);
            }
            case APPLY_SECURITY_GROUP -> {
                group.moveTo(TenantSecurityGroup.Status.AVAILABLE, finishedAt);
                audit.record("security-group.applied", "security-group", group.id(), group.tenantId(), Map.of("operation", op.id()));
            }
            case DELETE_SECURITY_GROUP -> {
                group.moveTo(TenantSecurityGroup.Status.DELETED, finishedAt);
                audit.record("security-group.deleted", "security-group", group.id(), group.tenantId(), Map.of("operation", op.id()));
            }
            default -> throw new IllegalArgumentException(op.kind() + " is not a security group operation");
        }
    }

    @Override
    public void failed(Operation op, ProviderException error, Instant at) {
        TenantSecurityGroup group = groups.findById(op.targetId());
        switch (op.kind()) {
            case CREATE_SECURITY_GROUP -> group.moveTo(TenantSecurityGroup.Status.FAILED, at);
            case APPLY_SECURITY_GROUP -> group.moveTo(TenantSecurityGroup.Status.DIVERGED, at);
            case DELETE_SECURITY_GROUP -> group.moveTo(TenantSecurityGroup.Status.AVAILABLE, at);
            default -> {
            }
        }
        GiveUpAudit.record(audit, "security-group", op, error);
    }

    @Override
    public void lockTarget(Operation op) {
        groups.findById(op.targetId(), LockModeType.PESSIMISTIC_WRITE);
    }
}
