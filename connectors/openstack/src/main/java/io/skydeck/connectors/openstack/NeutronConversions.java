package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.openstack4j.model.network.NetFloatingIP;
import org.openstack4j.model.network.Network;
import org.openstack4j.model.network.SecurityGroup;
import org.openstack4j.model.network.SecurityGroupRule;
import org.openstack4j.model.network.Subnet;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Neutron objects as SPI values; tags come separately because OpenStack4j's models drop them. */
final class NeutronConversions {
    private NeutronConversions() {
    }

    static ProviderNetwork networkToProviderNetwork(Network network, String region, List<String> tags) {
        // A Neutron network has no CIDR of its own; its subnets do.
        return new ProviderNetwork(network.getId(), nullToEmpty(network.getName()), region, Optional.empty(),
                NeutronTags.tokenOf(tags), NeutronTags.keyValuesOf(tags));
    }

    static ProviderSubnet subnetToProviderSubnet(Subnet subnet, String region, List<String> tags) {
        return new ProviderSubnet(subnet.getId(), subnet.getNetworkId(), nullToEmpty(subnet.getName()), region,
                nullToEmpty(subnet.getCidr()), Optional.empty(), NeutronTags.tokenOf(tags), NeutronTags.keyValuesOf(tags));
    }

    static ProviderSecurityGroup securityGroupToProviderSecurityGroup(SecurityGroup group, String region, List<String> tags) {
        List<ProviderSecurityRule> rules = group.getRules() == null ? List.of()
                : group.getRules().stream().map(NeutronConversions::ruleToProviderSecurityRule).toList();
        return new ProviderSecurityGroup(group.getId(), nullToEmpty(group.getName()), region, nullToEmpty(group.getDescription()),
                Optional.empty(), rules, NeutronTags.tokenOf(tags), NeutronTags.keyValuesOf(tags));
    }

    /**
     * A Neutron rule as a Skydeck rule. Neutron leaves out what it does not restrict: no protocol
     * is ANY, no port range is every port, no remote prefix is anywhere of the rule's IP version.
     */
    static ProviderSecurityRule ruleToProviderSecurityRule(SecurityGroupRule rule) {
        Direction direction = "egress".equals(rule.getDirection()) ? Direction.EGRESS : Direction.INGRESS;
        Protocol protocol = protocolOf(rule.getProtocol());
        boolean ported = protocol == Protocol.TCP || protocol == Protocol.UDP;
        int from = ported ? Optional.ofNullable(rule.getPortRangeMin()).orElse(0) : 0;
        int to = ported ? Optional.ofNullable(rule.getPortRangeMax()).orElse(65535) : 0;
        String anywhere = "IPv6".equals(rule.getEtherType()) ? "::/0" : "0.0.0.0/0";
        String remote = rule.getRemoteIpPrefix() == null ? anywhere : rule.getRemoteIpPrefix();
        return new ProviderSecurityRule(rule.getId(), new SecurityRule(direction, protocol, from, to, remote));
    }

    static Protocol protocolOf(String neutronProtocol) {
        if (neutronProtocol == null) {
            return Protocol.ANY;
        }
        return switch (neutronProtocol.toLowerCase(Locale.ROOT)) {
            case "tcp", "6" -> Protocol.TCP;
            case "udp", "17" -> Protocol.UDP;
            case "icmp", "1" -> Protocol.ICMP;
            default -> Protocol.ANY;
        };
    }

    static ProviderPublicIp floatingIpToProviderPublicIp(NetFloatingIP ip, String region, Optional<String> serverId) {
        List<String> tags = ip.getTags() == null ? List.of() : ip.getTags();
        return new ProviderPublicIp(ip.getId(), nullToEmpty(ip.getFloatingIpAddress()), region, serverId,
                NeutronTags.tokenOf(tags), NeutronTags.keyValuesOf(tags));
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
