package io.skydeck.network.policy;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.InvalidAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Turns a {@link SecurityGroupDraft} into a {@link SecurityGroup}, or throws {@link InvalidPolicy}
 * with every error found, each naming its field as the tenant wrote it ({@code rules[2].portTo}).
 *
 * <p>Rules the providers would refuse are refused here, before anything is sent, because a group
 * rendered to three providers must mean the same on each: a rule needs exactly one remote (Neutron
 * would read none as "anywhere", EC2 requires one), ports only on TCP and UDP (Neutron reads ICMP
 * "ports" as type and code), no duplicate rules (both providers reject them). A remote group must
 * be the tenant's own — or the group being validated, as in a "members talk to each other" rule.
 */
public final class PolicyValidator {

    private static final int MAX_NAME_LENGTH = 255;

    private PolicyValidator() {
    }

    public static SecurityGroup validate(String groupId, String tenantId, SecurityGroupDraft draft, GroupOwners owners) {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(tenantId, "tenantId");
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(owners, "owners");
        List<FieldError> errors = new ArrayList<>();
        if (draft.name() == null || draft.name().isBlank()) {
            errors.add(new FieldError("name", "must not be blank"));
        } else if (draft.name().length() > MAX_NAME_LENGTH) {
            errors.add(new FieldError("name", "is longer than " + MAX_NAME_LENGTH + " characters"));
        }
        List<SecurityGroupDraft.Rule> drafts = draft.rules() == null ? List.of() : draft.rules();
        List<SecurityRule> rules = new ArrayList<>(drafts.size());
        for (int i = 0; i < drafts.size(); i++) {
            SecurityRule rule = rule("rules[" + i + "]", drafts.get(i), groupId, tenantId, owners, errors);
            // An invalid rule is kept as null, so an index into this list is the draft's index.
            int earlier = rule == null ? -1 : rules.indexOf(rule);
            if (earlier >= 0) {
                errors.add(new FieldError("rules[" + i + "]", "duplicates rules[" + earlier + "]"));
            }
            rules.add(rule);
        }
        if (!errors.isEmpty()) {
            throw new InvalidPolicy(errors);
        }
        return new SecurityGroup(groupId, tenantId, draft.name(), rules);
    }

    private static SecurityRule rule(String at, SecurityGroupDraft.Rule draft, String groupId, String tenantId,
                                     GroupOwners owners, List<FieldError> errors) {
        if (draft == null) {
            errors.add(new FieldError(at, "must not be null"));
            return null;
        }
        int before = errors.size();
        Direction direction = direction(at, draft.direction(), errors);
        Protocol protocol = protocol(at, draft.protocol(), errors);
        PortRange ports = ports(at, protocol, draft.portFrom(), draft.portTo(), errors);
        Remote remote = remote(at, draft.remoteCidr(), draft.remoteGroup(), groupId, tenantId, owners, errors);
        return errors.size() == before ? new SecurityRule(direction, protocol, ports, remote) : null;
    }

    private static Direction direction(String at, String text, List<FieldError> errors) {
        if (text == null || text.isBlank()) {
            errors.add(new FieldError(at + ".direction", "missing; ingress or egress"));
            return null;
        }
        for (Direction d : Direction.values()) {
            if (d.label().equals(text.toLowerCase(Locale.ROOT))) {
                return d;
            }
        }
        errors.add(new FieldError(at + ".direction", "'" + text + "' is not ingress or egress"));
        return null;
    }

    private static Protocol protocol(String at, String text, List<FieldError> errors) {
        if (text == null || text.isBlank()) {
            errors.add(new FieldError(at + ".protocol", "missing; tcp, udp, icmp or any"));
            return null;
        }
        for (Protocol p : Protocol.values()) {
            if (p.label().equals(text.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        errors.add(new FieldError(at + ".protocol", "'" + text + "' is not one of tcp, udp, icmp, any"));
        return null;
    }

    private static PortRange ports(String at, Protocol protocol, Integer from, Integer to, List<FieldError> errors) {
        if (protocol != null && !protocol.hasPorts()) {
            if (from != null || to != null) {
                errors.add(new FieldError(at + ".ports", protocol.label() + " takes no ports"));
            }
            return PortRange.ALL;
        }
        boolean fromValid = port(at + ".portFrom", from, errors);
        boolean toValid = port(at + ".portTo", to, errors);
        if (from == null && to == null) {
            return PortRange.ALL;
        }
        if (from == null || to == null) {
            errors.add(new FieldError(at + (from == null ? ".portFrom" : ".portTo"),
                    "missing; give portFrom and portTo, or neither for all ports"));
            return null;
        }
        if (fromValid && toValid && from > to) {
            errors.add(new FieldError(at + ".ports", "portFrom " + from + " is above portTo " + to));
            return null;
        }
        return fromValid && toValid ? new PortRange(from, to) : null;
    }

    private static boolean port(String field, Integer port, List<FieldError> errors) {
        if (port == null) {
            return true;
        }
        if (port < 0) {
            errors.add(new FieldError(field, port + " is below 0"));
            return false;
        }
        if (port > PortRange.MAX) {
            errors.add(new FieldError(field, port + " is above " + PortRange.MAX));
            return false;
        }
        return true;
    }

    private static Remote remote(String at, String cidr, String group, String groupId, String tenantId,
                                 GroupOwners owners, List<FieldError> errors) {
        if (cidr != null && group != null) {
            errors.add(new FieldError(at + ".remote", "give remoteCidr or remoteGroup, not both"));
            return null;
        }
        if (cidr == null && group == null) {
            errors.add(new FieldError(at + ".remote", "missing; give remoteCidr (0.0.0.0/0 or ::/0 for anywhere) or remoteGroup"));
            return null;
        }
        if (cidr != null) {
            try {
                return new Remote.Range(Cidr.parse(cidr));
            } catch (InvalidAddress e) {
                errors.add(new FieldError(at + ".remoteCidr", e.getMessage()));
                return null;
            }
        }
        if (group.isBlank()) {
            errors.add(new FieldError(at + ".remoteGroup", "must not be blank"));
            return null;
        }
        if (!group.equals(groupId)) {
            var owner = owners.tenantOf(group);
            if (owner.isEmpty()) {
                errors.add(new FieldError(at + ".remoteGroup", "group " + group + " does not exist"));
                return null;
            }
            if (!owner.get().equals(tenantId)) {
                errors.add(new FieldError(at + ".remoteGroup", "group " + group + " belongs to another tenant"));
                return null;
            }
        }
        return new Remote.Group(group);
    }
}
