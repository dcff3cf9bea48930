package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.ProviderSubnet;
import org.openstack4j.model.network.NetFloatingIP;
import org.openstack4j.model.network.Network;
import org.openstack4j.model.network.SecurityGroup;
import org.openstack4j.model.network.SecurityGroupRule;
import org.openstack4j.model.network.Subnet;

import java.util.ArrayList;
import java.util.List;
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
        List<ProviderSecurityRule> rules = new ArrayList<>();
        List<String> inexpressible = new ArrayList<>();
        for (SecurityGroupRule rule : group.getRules() == null ? List.<SecurityGroupRule>of() : group.getRules()) {
            NeutronRuleToSecurityRule.convert(rule).ifPresentOrElse(rules::add, () -> inexpressible.add(NeutronRuleToSecurityRule.describe(rule)));
        }
        return new ProviderSecurityGroup(group.getId(), nullToEmpty(group.getName()), region, nullToEmpty(group.getDescription()),
                Optional.empty(), rules, NeutronTags.tokenOf(tags), NeutronTags.keyValuesOf(tags), inexpressible);
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
