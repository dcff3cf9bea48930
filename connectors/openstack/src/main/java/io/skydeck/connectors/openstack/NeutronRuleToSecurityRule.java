package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.openstack4j.model.network.SecurityGroupRule;

import java.util.Locale;
import java.util.Optional;

/**
 * A Neutron rule as a Skydeck rule, so that drift sees what the group really allows. Neutron
 * leaves out what it does not restrict: no protocol is ANY, no port range is every port, no
 * remote prefix and no remote group is anywhere of the rule's ethertype. Protocols Skydeck has
 * no name for (gre, esp, a number) read as ANY: wider than the truth, never narrower, so a rule
 * added behind our back is still seen as one.
 */
final class NeutronRuleToSecurityRule {
    private NeutronRuleToSecurityRule() {
    }

    static ProviderSecurityRule convert(SecurityGroupRule rule) {
        Direction direction = "egress".equals(rule.getDirection()) ? Direction.EGRESS : Direction.INGRESS;
        Protocol protocol = protocolOf(rule.getProtocol());
        IpFamily family = "IPv6".equals(rule.getEtherType()) ? IpFamily.IPV6 : IpFamily.IPV4;
        boolean ported = protocol == Protocol.TCP || protocol == Protocol.UDP;
        int from = ported ? Optional.ofNullable(rule.getPortRangeMin()).orElse(0) : 0;
        int to = ported ? Optional.ofNullable(rule.getPortRangeMax()).orElse(65535) : 0;
        SecurityRule converted = rule.getRemoteGroupId() != null
                ? SecurityRule.withRemoteGroup(direction, protocol, from, to, rule.getRemoteGroupId(), family)
                : new SecurityRule(direction, protocol, from, to,
                        rule.getRemoteIpPrefix() == null ? family.anywhere() : rule.getRemoteIpPrefix());
        return new ProviderSecurityRule(rule.getId(), converted);
    }

    static Protocol protocolOf(String neutronProtocol) {
        if (neutronProtocol == null) {
            return Protocol.ANY;
        }
        return switch (neutronProtocol.toLowerCase(Locale.ROOT)) {
            case "tcp", "6" -> Protocol.TCP;
            case "udp", "17" -> Protocol.UDP;
            case "icmp", "1", "ipv6-icmp", "icmpv6", "58" -> Protocol.ICMP;
            default -> Protocol.ANY;
        };
    }
}
