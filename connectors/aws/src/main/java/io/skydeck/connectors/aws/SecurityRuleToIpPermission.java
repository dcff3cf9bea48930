package io.skydeck.connectors.aws;

import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;
import software.amazon.awssdk.services.ec2.model.IpPermission;
import software.amazon.awssdk.services.ec2.model.IpRange;
import software.amazon.awssdk.services.ec2.model.Ipv6Range;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;

import java.util.Optional;

/**
 * Skydeck's allow rule ⇄ EC2's. EC2 says "-1" for any protocol and for "all ICMP types and
 * codes"; Skydeck says ANY/ICMP with ports 0..0. A remote range with a colon is IPv6.
 */
final class SecurityRuleToIpPermission {
    private SecurityRuleToIpPermission() {
    }

    static IpPermission convert(SecurityRule rule) {
        var permission = IpPermission.builder().ipProtocol(protocol(rule.protocol()));
        switch (rule.protocol()) {
            case TCP, UDP -> permission.fromPort(rule.portFrom()).toPort(rule.portTo());
            case ICMP -> permission.fromPort(-1).toPort(-1);
            case ANY -> { } // EC2 ignores ports for protocol -1
        }
        if (rule.remoteCidr().contains(":")) {
            permission.ipv6Ranges(Ipv6Range.builder().cidrIpv6(rule.remoteCidr()).build());
        } else {
            permission.ipRanges(IpRange.builder().cidrIp(rule.remoteCidr()).build());
        }
        return permission.build();
    }

    /**
     * EC2's rule, when Skydeck can express it. Rules whose peer is another security group or
     * a prefix list, and protocols other than tcp/udp/icmp/any, have no SecurityRule form.
     */
    static Optional<ProviderSecurityRule> convert(SecurityGroupRule rule) {
        String cidr = rule.cidrIpv4() != null ? rule.cidrIpv4() : rule.cidrIpv6();
        Optional<SecurityRule.Protocol> protocol = protocol(rule.ipProtocol());
        if (cidr == null || protocol.isEmpty()) {
            return Optional.empty();
        }
        var direction = Boolean.TRUE.equals(rule.isEgress()) ? SecurityRule.Direction.EGRESS : SecurityRule.Direction.INGRESS;
        boolean ported = protocol.get() == SecurityRule.Protocol.TCP || protocol.get() == SecurityRule.Protocol.UDP;
        int from = ported && rule.fromPort() != null && rule.fromPort() >= 0 ? rule.fromPort() : 0;
        int to = ported && rule.toPort() != null && rule.toPort() >= 0 ? rule.toPort() : ported ? 65535 : 0;
        return Optional.of(new ProviderSecurityRule(rule.securityGroupRuleId(),
                new SecurityRule(direction, protocol.get(), from, to, cidr)));
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
            case "icmp", "1" -> Optional.of(SecurityRule.Protocol.ICMP);
            case "-1" -> Optional.of(SecurityRule.Protocol.ANY);
            default -> Optional.empty();
        };
    }
}
