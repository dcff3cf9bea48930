package io.skydeck.network;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.network.policy.GroupOwners;
import io.skydeck.network.policy.PolicyValidator;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityGroupDraft;
import io.skydeck.network.policy.SecurityRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Security rules between their three forms: as stored (the tenant's rules, normalised, as JSON),
 * as the policy model holds them, and as a provider is asked for them (the connector SPI's
 * rules). A rule naming another group becomes one provider rule per address family the network
 * has, since a provider keeps an IPv4 and an IPv6 group rule apart.
 */
final class SecurityRules {

    private static final TypeReference<List<SecurityGroupDraft.Rule>> STORED = new TypeReference<>() {
    };

    private SecurityRules() {
    }

    /** The validated rules in their stored form: labels in lower case, canonical ranges, ports only where they mean something. */
    static String store(ObjectMapper json, SecurityGroup group) {
        List<SecurityGroupDraft.Rule> stored = new ArrayList<>();
        for (SecurityRule rule : group.rules()) {
            Integer from = rule.protocol().hasPorts() ? rule.ports().from() : null;
            Integer to = rule.protocol().hasPorts() ? rule.ports().to() : null;
            String cidr = rule.remote() instanceof Remote.Range range ? range.cidr().toString() : null;
            String remoteGroup = rule.remote() instanceof Remote.Group g ? g.groupId() : null;
            stored.add(new SecurityGroupDraft.Rule(rule.direction().label(), rule.protocol().label(), from, to, cidr, remoteGroup));
        }
        try {
            return json.writeValueAsString(stored);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored rules as the policy model holds them (they were valid when stored). */
    static SecurityGroup read(ObjectMapper json, TenantSecurityGroup group) {
        List<SecurityGroupDraft.Rule> rules;
        try {
            rules = json.readValue(group.rules(), STORED);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored rules of security group " + group.id() + " are not readable", e);
        }
        GroupOwners sameTenant = id -> Optional.of(group.tenantId().toString());
        return PolicyValidator.validate(group.id().toString(), group.tenantId().toString(),
                new SecurityGroupDraft(group.name(), rules), sameTenant);
    }

    /** The provider rules one policy rule becomes; {@code providerIdOf} gives a remote group's id in the provider. */
    static List<io.skydeck.connectors.spi.SecurityRule> render(SecurityRule rule, Function<String, String> providerIdOf, boolean ipv6) {
        var direction = io.skydeck.connectors.spi.SecurityRule.Direction.valueOf(rule.direction().name());
        var protocol = io.skydeck.connectors.spi.SecurityRule.Protocol.valueOf(rule.protocol().name());
        int from = rule.protocol() == Protocol.TCP || rule.protocol() == Protocol.UDP ? rule.ports().from() : 0;
        int to = rule.protocol() == Protocol.TCP || rule.protocol() == Protocol.UDP ? rule.ports().to() : 0;
        if (rule.remote() instanceof Remote.Range range) {
            return List.of(new io.skydeck.connectors.spi.SecurityRule(direction, protocol, from, to, range.cidr().toString()));
        }
        String peer = providerIdOf.apply(((Remote.Group) rule.remote()).groupId());
        List<io.skydeck.connectors.spi.SecurityRule> rendered = new ArrayList<>();
        rendered.add(io.skydeck.connectors.spi.SecurityRule.withRemoteGroup(direction, protocol, from, to, peer, IpFamily.IPV4));
        if (ipv6) {
            rendered.add(io.skydeck.connectors.spi.SecurityRule.withRemoteGroup(direction, protocol, from, to, peer, IpFamily.IPV6));
        }
        return rendered;
    }
}
