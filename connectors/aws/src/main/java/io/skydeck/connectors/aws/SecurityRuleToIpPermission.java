package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;
import software.amazon.awssdk.services.ec2.model.UserIdGroupPair;

import java.util.Optional;

/**
 * Skydeck's allow rule ⇄ EC2's. EC2 says "-1" for any protocol and for "all ICMP types and
 * codes"; Skydeck says ANY/ICMP with ports 0..0. ICMP towards an IPv6 range is EC2's "icmpv6". The peer is {@code IpRanges} (IPv4),
 * {@code Ipv6Ranges} (IPv6) or {@code UserIdGroupPairs} (another security group).
 *
 * <p>An EC2 group reference is not per family: it admits the members' addresses of both. So a
 * remote-group rule is IPv4 here, written and read; an IPv6 one is refused by
 * {@link #requireExpressible} rather than silently widened or doubled.
 */
final class SecurityRuleToIpPermission {
    private SecurityRuleToIpPermission() {
    }

    /** @throws IllegalArgumentException with the reason when EC2 cannot express the rule */
    static void requireExpressible(SecurityRule rule) {
        if (rule.remoteGroupId().isPresent() && rule.family() == IpFamily.IPV6) {
            throw new IllegalArgumentException("EC2 cannot limit a security group reference to IPv6: a rule naming group "
                    + rule.remoteGroupId().get() + " admits both families; state it as IPV4");
        }
    }

    static IpPermission convert(SecurityRule rule) {
        requireExpressible(rule);
        boolean icmpv6 = rule.protocol() == SecurityRule.Protocol.ICMP && rule.family() == IpFamily.IPV6 && rule.remoteCidr().isPresent();
        var permission = IpPermission.builder().ipProtocol(icmpv6 ? "icmpv6" : protocol(rule.protocol()));
        switch (rule.protocol()) {
            case TCP, UDP -> permission.fromPort(rule.portFrom()).toPort(rule.portTo());
            case ICMP -> permission.fromPort(-1).toPort(-1);
            case ANY -> { } // EC2 ignores ports for protocol -1
        }
        if (rule.remoteGroupId().isPresent()) {
            permission.userIdGroupPairs(UserIdGroupPair.builder().groupId(rule.remoteGroupId().get()).build());
        } else if (rule.family() == IpFamily.IPV6) {
            permission.ipv6Ranges(Ipv6Range.builder().cidrIpv6(rule.remoteCidr().orElseThrow()).build());
        } else {
            permission.ipRanges(IpRange.builder().cidrIp(rule.remoteCidr().orElseThrow()).build());
        }
        return permission.build();
    }

    /**
     * EC2's rule, when Skydeck can express it. Rules whose peer is a prefix list, and protocols
     * other than tcp/udp/icmp/any, have no SecurityRule form.
     */
    static Optional<ProviderSecurityRule> convert(SecurityGroupRule rule) {
        Optional<SecurityRule.Protocol> protocol = protocol(rule.ipProtocol());
        String cidr = rule.cidrIpv4() != null ? rule.cidrIpv4() : rule.cidrIpv6();
        String group = rule.referencedGroupInfo() == null ? null : rule.referencedGroupInfo().groupId();
        if ((cidr == null && group == null) || protocol.isEmpty()) {
            return Optional.empty();
        }
        var direction = Boolean.TRUE.equals(rule.isEgress()) ? SecurityRule.Direction.EGRESS : SecurityRule.Direction.INGRESS;
        boolean ported = protocol.get() == SecurityRule.Protocol.TCP || protocol.get() == SecurityRule.Protocol.UDP;
        int from = ported && rule.fromPort() != null && rule.fromPort() >= 0 ? rule.fromPort() : 0;
        int to = ported && rule.toPort() != null && rule.toPort() >= 0 ? rule.toPort() : ported ? 65535 : 0;
        SecurityRule converted = cidr != null
                ? new SecurityRule(direction, protocol.get(), from, to, cidr)
                : SecurityRule.withRemoteGroup(direction, protocol.get(), from, to, group, IpFamily.IPV4);
        return Optional.of(new ProviderSecurityRule(rule.securityGroupRuleId(), converted));
    }

    /** One line for a rule {@link #convert(SecurityGroupRule)} cannot express: "sgr-…: ingress tcp 443-443 prefix list pl-…". */
    static String describe(SecurityGroupRule rule) {
        String peer = rule.prefixListId() != null ? "prefix list " + rule.prefixListId()
                : rule.cidrIpv4() != null ? rule.cidrIpv4()
                : rule.cidrIpv6() != null ? rule.cidrIpv6()
                : rule.referencedGroupInfo() != null ? "group " + rule.referencedGroupInfo().groupId() : "no peer";
        return rule.securityGroupRuleId() + ": " + (Boolean.TRUE.equals(rule.isEgress()) ? "egress " : "ingress ")
                + rule.ipProtocol() + " " + rule.fromPort() + "-" + rule.toPort() + " " + peer;
    }

    private static String protocol(SecurityRule.Protocol protocol) {
        return switch (protocol) {
            case TCP -> "tcp";
            case UDP -> "udp";
            case ICMP -> "icmp";
            case ANY -> "-1";
        };
    }

    private static Optional<SecurityRule.Protocol> protocol(String ec2) {
        return switch (ec2 == null ? "" : ec2) {
            case "tcp", "6" -> Optional.of(SecurityRule.Protocol.TCP);
            case "udp", "17" -> Optional.of(SecurityRule.Protocol.UDP);
            case "icmp", "1", "icmpv6", "58" -> Optional.of(SecurityRule.Protocol.ICMP);
            case "-1" -> Optional.of(SecurityRule.Protocol.ANY);
            default -> Optional.empty();
        };
    }
}
