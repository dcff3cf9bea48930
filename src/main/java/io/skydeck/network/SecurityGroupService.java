package io.skydeck.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.capacity.Placement;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.network.policy.FieldError;
import io.skydeck.network.policy.GroupOwners;
import io.skydeck.network.policy.InvalidPolicy;
import io.skydeck.network.policy.PolicyValidator;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityGroupDraft;
import io.skydeck.network.policy.SecurityRule;
import io.skydeck.operations.Operation;
import io.skydeck.operations.OperationKind;
import io.skydeck.operations.OperationParams;
import io.skydeck.operations.OperationService;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.provisioning.LifecycleEvents;
import io.skydeck.provisioning.NewResource;
import io.skydeck.provisioning.Provisioning;
import io.skydeck.tenancy.Project;
import io.skydeck.tenancy.QuotaAmounts;
import io.skydeck.tenancy.QuotaReservation;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Tenant security groups. The rules Skydeck stores are the truth: a create or a change stores
 * them and starts an operation that makes the provider's group hold exactly those rules (adding
 * what is missing, removing what is not asked for, the provider's default rules included). A rule
 * may name another group of the same network as its remote; another tenant's group, or one that
 * does not exist, is refused alike, so the answer does not tell one tenant about another's groups.
 */
@ApplicationScoped
public class SecurityGroupService {

    public record Started(TenantSecurityGroup group, Operation operation) {
    }

    @Inject
    TenantSecurityGroupRepository groups;

    @Inject
    NetworkRepository networks;

    @Inject
    Provisioning provisioning;

    @Inject
    OperationService operations;

    @Inject
    AuditLog audit;

    @Inject
    EntityManager em;

    @Inject
    ObjectMapper json;

    @Inject
    Clock clock;

    @Inject
    io.skydeck.providers.ProviderRegistry providers;

    @Transactional
    public Started create(Tenant tenant, Project project, Network network, String name, String description,
                         List<SecurityGroupDraft.Rule> rules) {
        Network locked = networks.findById(network.id(), LockModeType.PESSIMISTIC_READ);
        if (locked.status() != Network.Status.AVAILABLE) {
            throw new ProblemException(ProblemType.CONFLICT, "network " + locked.id() + " is " + locked.status()
                    + "; security groups are made in an available network");
        }
        groups.find("networkId = ?1 and name = ?2 and status not in ?3", locked.id(), name,
                List.of(TenantSecurityGroup.Status.DELETED, TenantSecurityGroup.Status.FAILED)).firstResultOptional().ifPresent(taken -> {
                    throw new ProblemException(ProblemType.CONFLICT, "network " + locked.name() + " already has a security group named '"
                            + name + "': " + taken.id(), List.of(new Problem.FieldError("name", "taken by " + taken.id())), Map.of());
                });
        UUID id = UUID.randomUUID();
        SecurityGroup valid = validate(id, tenant.id(), locked.id(), name, rules);
        requireRemotesCreated(valid, id);
        Provisioning.Admitted<TenantSecurityGroup> admitted = provisioning.admit(tenant,
                new NewSecurityGroup(id, tenant, project, locked, name, description == null ? "" : description, valid));
        return new Started(admitted.resource(), admitted.operation());
    }

    /** Replaces the group's rules and applies them. */
    @Transactional
    public Started replaceRules(TenantSecurityGroup group, List<SecurityGroupDraft.Rule> rules) {
        TenantSecurityGroup managed = lockIdle(group);
        SecurityGroup valid = validate(managed.id(), managed.tenantId(), managed.networkId(), managed.name(), rules);
        requireRemotesCreated(valid, managed.id());
        managed.replaceRules(SecurityRules.store(json, valid), now());
        Operation op = apply(managed, "rules-changed");
        audit.record("security-group.rules-changed", "security-group", managed.id(), managed.tenantId(),
                Map.of("rules", valid.rules().size(), "operation", op.id()));
        return new Started(managed, op);
    }

    /** Applies the stored rules again: what a tenant asks for after drift sync found them changed in the provider. */
    @Transactional
    public Started reapply(TenantSecurityGroup group) {
        TenantSecurityGroup managed = lockIdle(group);
        managed.moveTo(TenantSecurityGroup.Status.APPLYING, now());
        Operation op = apply(managed, "reapply");
        audit.record("security-group.reapply-requested", "security-group", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return new Started(managed, op);
    }

    @Transactional
    public Optional<Started> delete(TenantSecurityGroup group) {
        TenantSecurityGroup managed = groups.findById(group.id(), LockModeType.PESSIMISTIC_WRITE);
        Optional<Operation> running = operations.activeOn(managed.id());
        if (running.isPresent() && running.get().kind() == OperationKind.DELETE_SECURITY_GROUP) {
            return Optional.of(new Started(managed, running.get()));
        }
        running.ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + op.id() + " (" + op.kind()
                    + ") is still running on security group " + managed.id());
        });
        if (!managed.status().live()) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        List<Object[]> members = em.createNativeQuery("SELECT target_type, target_id FROM security_group_member WHERE group_id = ?1 LIMIT 3")
                .setParameter(1, managed.id()).getResultList();
        if (!members.isEmpty()) {
            throw new ProblemException(ProblemType.CONFLICT, "security group " + managed.name() + " is in use by "
                    + members.stream().map(m -> m[0] + " " + m[1]).toList() + "; detach it first");
        }
        for (TenantSecurityGroup other : groups.liveIn(managed.networkId())) {
            if (!other.id().equals(managed.id()) && SecurityRules.read(json, other).rules().stream()
                    .anyMatch(rule -> rule.remote() instanceof Remote.Group g && g.groupId().equals(managed.id().toString()))) {
                throw new ProblemException(ProblemType.CONFLICT, "security group " + managed.name() + " is in use: a rule of group "
                        + other.name() + " (" + other.id() + ") names it as its remote; change that rule first");
            }
        }
        managed.moveTo(TenantSecurityGroup.Status.DELETING, now());
        Operation op = operations.start(managed.tenantId(), OperationKind.DELETE_SECURITY_GROUP, "security-group", managed.id(),
                managed.provider(), null);
        audit.record("security-group.delete-requested", "security-group", managed.id(), managed.tenantId(), Map.of("operation", op.id()));
        return Optional.of(new Started(managed, op));
    }

    /**
     * The rules the provider's group should hold, as the connector SPI writes them, with remote
     * groups named by their provider ids. Reads the database only.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<io.skydeck.connectors.spi.SecurityRule> providerRules(TenantSecurityGroup group) {
        Network network = networks.findById(group.networkId());
        // A group reference needs an IPv6 copy only in a dual-stack network of a provider whose references hold per family.
        boolean dualStackGroupRules = network.ipv6Cidr() != null
                && providers.get(group.provider()).require(io.skydeck.connectors.spi.SecurityGroups.class).groupReferencesPerFamily();
        List<io.skydeck.connectors.spi.SecurityRule> rendered = new ArrayList<>();
        for (SecurityRule rule : SecurityRules.read(json, group).rules()) {
            rendered.addAll(SecurityRules.render(rule, remoteId -> groups.findByIdOptional(UUID.fromString(remoteId))
                            .map(TenantSecurityGroup::providerGroupId)
                            .orElseThrow(() -> new IllegalStateException("remote group " + remoteId + " has no provider id")),
                    dualStackGroupRules));
        }
        return rendered;
    }

    /** A group whose provider copy holds other rules than recorded, and how they differ. */
    public record Divergence(TenantSecurityGroup group, String detail) {
    }

    /**
     * The provider's groups (as just listed) whose rules are not the recorded ones. Only groups at
     * rest are judged: one being applied is expected to differ until its operation ends.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Divergence> divergences(String provider, Map<String, ProviderSecurityGroup> listed) {
        List<Divergence> found = new ArrayList<>();
        for (TenantSecurityGroup group : groups.list("provider = ?1 and status in ?2", provider,
                List.of(TenantSecurityGroup.Status.AVAILABLE, TenantSecurityGroup.Status.DIVERGED))) {
            ProviderSecurityGroup actual = group.providerGroupId() == null ? null : listed.get(group.providerGroupId());
            if (actual == null) {
                continue; // gone: a ghost, which the comparison of lists reports
            }
            RuleChanges changes = RuleChanges.between(providerRules(group), actual.rules(), actual.inexpressibleRules());
            if (!changes.none()) {
                found.add(new Divergence(group, changes.describe()));
            }
        }
        return found;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<TenantSecurityGroup> find(UUID id) {
        return groups.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<TenantSecurityGroup> list(Optional<UUID> tenantId, Optional<UUID> networkId, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("networkId", networkId).page(groups, page);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<TenantSecurityGroup> liveIn(UUID networkId) {
        return groups.liveIn(networkId);
    }

    public static Cursor position(TenantSecurityGroup g) {
        return new Cursor(g.createdAt(), g.id());
    }

    private SecurityGroup validate(UUID id, UUID tenantId, UUID networkId, String name, List<SecurityGroupDraft.Rule> rules) {
        // A remote group counts only if it is a live group of this tenant in this network: anything else does not exist.
        GroupOwners owners = remoteId -> parseUuid(remoteId).flatMap(groups::findByIdOptional)
                .filter(g -> g.tenantId().equals(tenantId) && g.networkId().equals(networkId) && g.status().live())
                .map(g -> g.tenantId().toString());
        try {
            return PolicyValidator.validate(id.toString(), tenantId.toString(), new SecurityGroupDraft(name, rules), owners);
        } catch (InvalidPolicy invalid) {
            List<Problem.FieldError> errors = invalid.errors().stream().map(SecurityGroupService::problemError).toList();
            throw new ProblemException(ProblemType.VALIDATION, errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                    : errors.size() + " fields are not valid", errors, Map.of());
        }
    }

    /** A rule naming another group needs that group's provider id, which it has once its create finished. */
    private void requireRemotesCreated(SecurityGroup valid, UUID self) {
        for (int i = 0; i < valid.rules().size(); i++) {
            if (valid.rules().get(i).remote() instanceof Remote.Group g && !g.groupId().equals(self.toString())) {
                TenantSecurityGroup remote = groups.findById(UUID.fromString(g.groupId()));
                if (remote.providerGroupId() == null) {
                    throw new ProblemException(ProblemType.CONFLICT, "security group " + remote.name() + " is still being created",
                            List.of(new Problem.FieldError("rules[" + i + "].remoteGroup", "group " + remote.id()
                                    + " is still being created; try again once it is " + TenantSecurityGroup.Status.AVAILABLE)), Map.of());
                }
            }
        }
    }

    private Operation apply(TenantSecurityGroup group, String why) {
        return operations.start(group.tenantId(), OperationKind.APPLY_SECURITY_GROUP, "security-group", group.id(), group.provider(),
                OperationParams.write(json, Map.of("why", why)));
    }

    private TenantSecurityGroup lockIdle(TenantSecurityGroup group) {
        TenantSecurityGroup managed = groups.findById(group.id(), LockModeType.PESSIMISTIC_WRITE);
        operations.activeOn(managed.id()).ifPresent(op -> {
            throw new ProblemException(ProblemType.OPERATION_IN_PROGRESS, "operation " + op.id() + " (" + op.kind()
                    + ") is still running on security group " + managed.id());
        });
        if (managed.providerGroupId() == null || !managed.status().live() || managed.status() == TenantSecurityGroup.Status.DELETING) {
            throw new ProblemException(ProblemType.CONFLICT, "security group " + managed.id() + " is " + managed.status()
                    + (managed.providerGroupId() == null ? " and not yet made in the provider" : ""));
        }
        return managed;
    }

    private static Problem.FieldError problemError(FieldError error) {
        return new Problem.FieldError(error.field(), error.message());
    }

    private static Optional<UUID> parseUuid(String text) {
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** A security group as the provisioning pipeline builds it: in its network's provider and region; no quota. */
    private final class NewSecurityGroup implements NewResource<TenantSecurityGroup> {
        private final UUID id;
        private final Tenant tenant;
        private final Project project;
        private final Network network;
        private final String name;
        private final String description;
        private final SecurityGroup valid;

        NewSecurityGroup(UUID id, Tenant tenant, Project project, Network network, String name, String description, SecurityGroup valid) {
            this.id = id;
            this.tenant = tenant;
            this.project = project;
            this.network = network;
            this.name = name;
            this.description = description;
            this.valid = valid;
        }

        @Override
        public UUID newId() {
            return id;
        }

        @Override
        public String type() {
            return "security-group";
        }

        @Override
        public OperationKind createKind() {
            return OperationKind.CREATE_SECURITY_GROUP;
        }

        @Override
        public String purpose() {
            return "security group " + name;
        }

        @Override
        public QuotaAmounts quota() {
            return new QuotaAmounts(0, 0, 0, 0, 0, 0);
        }

        @Override
        public Placement place(UUID groupId) {
            return new Placement(network.provider(), network.region(), Optional.empty(), null, "network",
                    OperationParams.write(json, Map.of("provider", network.provider(), "region", network.region(),
                            "decidedBy", "network", "network", network.id().toString())));
        }

        @Override
        public TenantSecurityGroup build(UUID groupId, QuotaReservation reservation, Placement placed, Instant now) {
            return new TenantSecurityGroup(groupId, tenant.id(), project.id(), network.id(), name, description, placed.provider(),
                    placed.region(), SecurityRules.store(json, valid), now);
        }

        @Override
        public TenantSecurityGroupRepository repository() {
            return groups;
        }

        @Override
        public LifecycleEvents.Shape shape(TenantSecurityGroup group) {
            return new LifecycleEvents.Shape(null, 0, 0, 0, 0);
        }

        @Override
        public Map<String, Object> auditDetails(TenantSecurityGroup group, Placement placed) {
            return Map.of("name", name, "network", network.id(), "rules", valid.rules().size());
        }
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
