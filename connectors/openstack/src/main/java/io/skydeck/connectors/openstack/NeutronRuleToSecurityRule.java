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
 * remote prefix and no remote group is anywhere of the rule's ethertype. A protocol Skydeck has
 * no name for (gre, esp, a number) has no SecurityRule form: such a rule is {@link #describe}d
 * instead, so that drift still sees it.
 */
final class NeutronRuleToSecurityRule {
    private NeutronRuleToSecurityRule() {
    }

    static Optional<ProviderSecurityRule> convert(SecurityGroupRule rule) {
        Optional<Protocol> known = protocolOf(rule.getProtocol());
        if (known.isEmpty()) {
            return Optional.empty();
        }
        Direction direction = "egress".equals(rule.getDirection()) ? Direction.EGRESS : Direction.INGRESS;
        Protocol protocol = known.get();
        IpFamily family = "IPv6".equals(rule.getEtherType()) ? IpFamily.IPV6 : IpFamily.IPV4;
        boolean ported = protocol == Protocol.TCP || protocol == Protocol.UDP;
        int from = ported ? Optional.ofNullable(rule.getPortRangeMin()).orElse(0) : 0;
        int to = ported ? Optional.ofNullable(rule.getPortRangeMax()).orElse(65535) : 0;
        SecurityRule converted = rule.getRemoteGroupId() != null
                ? SecurityRule.withRemoteGroup(direction, protocol, from, to, rule.getRemoteGroupId(), family)
                : new SecurityRule(direction, protocol, from, to,
                        rule.getRemoteIpPrefix() == null ? family.anywhere() : rule.getRemoteIpPrefix());
        return Optional.of(new ProviderSecurityRule(rule.getId(), converted));
    }

    /** One line for a rule {@link #convert} cannot express: "id: direction ethertype protocol from remote". */
    static String describe(SecurityGroupRule rule) {
        String remote = rule.getRemoteGroupId() != null ? "group " + rule.getRemoteGroupId()
                : rule.getRemoteIpPrefix() != null ? rule.getRemoteIpPrefix() : "anywhere";
        return rule.getId() + ": " + rule.getDirection() + " " + rule.getEtherType() + " protocol " + rule.getProtocol() + " " + remote;
    }

    static Optional<Protocol> protocolOf(String neutronProtocol) {
        if (neutronProtocol == null || neutronProtocol.equalsIgnoreCase("any")) {
            return Optional.of(Protocol.ANY);
        }
        return switch (neutronProtocol.toLowerCase(Locale.ROOT)) {
            case "tcp", "6" -> Optional.of(Protocol.TCP);
            case "udp", "17" -> Optional.of(Protocol.UDP);
            case "icmp", "1", "ipv6-icmp", "icmpv6", "58" -> Optional.of(Protocol.ICMP);
            default -> Optional.empty();
        };
    }
}
