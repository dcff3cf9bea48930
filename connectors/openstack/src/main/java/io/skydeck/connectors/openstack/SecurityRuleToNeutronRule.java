package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.SecurityRule;
import org.openstack4j.api.Builders;
import org.openstack4j.model.network.SecurityGroupRule;
import org.openstack4j.model.network.builder.NetSecurityGroupRuleBuilder;

import java.util.Locale;

/**
 * A Skydeck rule as the body of Neutron's {@code POST /v2.0/security-group-rules}: the peer is
 * {@code remote_ip_prefix} or {@code remote_group_id}, never both; {@code ethertype} is the
 * rule's family (Neutron refuses a prefix of the other family); TCP and UDP carry
 * {@code port_range_min/max}; ICMP ({@code ipv6-icmp} for IPv6) and ANY carry no ports (ANY also no protocol, which Neutron
 * reads as every protocol).
 */
final class SecurityRuleToNeutronRule {
    private SecurityRuleToNeutronRule() {
    }

    static SecurityGroupRule convert(String groupId, SecurityRule rule) {
        NetSecurityGroupRuleBuilder builder = Builders.securityGroupRule()
                .securityGroupId(groupId)
                .direction(rule.direction().name().toLowerCase(Locale.ROOT))
                .ethertype(ethertype(rule.family()));
        rule.remoteCidr().ifPresent(builder::remoteIpPrefix);
        rule.remoteGroupId().ifPresent(builder::remoteGroupId);
        switch (rule.protocol()) {
            case TCP, UDP -> builder.protocol(rule.protocol().name().toLowerCase(Locale.ROOT))
                    .portRangeMin(rule.portFrom()).portRangeMax(rule.portTo());
            // Neutron names ICMP for IPv6 "ipv6-icmp"; "icmp" with IPv6 is an older alias it rewrites.
            case ICMP -> builder.protocol(rule.family() == SecurityRule.IpFamily.IPV6 ? "ipv6-icmp" : "icmp");
            case ANY -> { }
        }
        return builder.build();
    }

    static String ethertype(SecurityRule.IpFamily family) {
        return switch (family) {
            case IPV4 -> "IPv4";
            case IPV6 -> "IPv6";
        };
    }
}
