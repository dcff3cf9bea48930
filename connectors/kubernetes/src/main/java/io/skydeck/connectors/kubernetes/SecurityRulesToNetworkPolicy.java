package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Security rules as NetworkPolicy ingress/egress rules, and back. The mapping, and where it
 * stops:
 * <ul>
 * <li>One SPI rule is one NetworkPolicy rule with one peer and at most one port entry.</li>
 * <li>{@code remoteCidr} "0.0.0.0/0" ("anywhere") is a rule without peers, which also admits
 *     pods of any namespace; any other CIDR is an {@code ipBlock}, which CNIs apply to
 *     cluster-external addresses and, depending on the CNI, not to pod IPs.</li>
 * <li>TCP and UDP port ranges map to {@code port}/{@code endPort}; 0..65535 is the protocol
 *     without a port. NetworkPolicy ports start at 1, so another range from 0 is refused.</li>
 * <li>ANY is a rule without ports. ICMP cannot be expressed and is refused.</li>
 * <li>Reading back a policy Skydeck did not write: rules with pod or namespace selectors,
 *     named ports, SCTP, and {@code ipBlock.except} have no SPI form and are left out.</li>
 * </ul>
 */
final class SecurityRulesToNetworkPolicy {
    static final String ANYWHERE = "0.0.0.0/0";
    private static final int MAX_PORT = 65535;

    private SecurityRulesToNetworkPolicy() {
    }

    /** A rule's id is the rule itself, because NetworkPolicy rules have no ids: "ingress:tcp:443-443:10.0.0.0/8". */
    static String ruleId(SecurityRule rule) {
        return String.join(":", rule.direction().name().toLowerCase(Locale.ROOT), rule.protocol().name().toLowerCase(Locale.ROOT),
                rule.portFrom() + "-" + rule.portTo(), rule.remoteCidr());
    }

    /** @throws IllegalArgumentException with the reason when NetworkPolicy cannot express the rule */
    static void requireExpressible(SecurityRule rule) {
        if (rule.protocol() == Protocol.ICMP) {
            throw new IllegalArgumentException("NetworkPolicy cannot express ICMP rules (TCP, UDP and SCTP only).");
        }
        if (rule.protocol() != Protocol.ANY && rule.portFrom() == 0 && rule.portTo() != MAX_PORT) {
            throw new IllegalArgumentException("NetworkPolicy ports start at 1: " + rule.portFrom() + ".." + rule.portTo());
        }
    }

    static NetworkPolicyIngressRule ingress(SecurityRule rule) {
        requireExpressible(rule);
        return new NetworkPolicyIngressRuleBuilder().withFrom(peers(rule)).withPorts(ports(rule)).build();
    }

    static NetworkPolicyEgressRule egress(SecurityRule rule) {
        requireExpressible(rule);
        return new NetworkPolicyEgressRuleBuilder().withTo(peers(rule)).withPorts(ports(rule)).build();
    }

    static List<ProviderSecurityRule> rules(NetworkPolicy policy) {
        var rules = new ArrayList<ProviderSecurityRule>();
        var spec = policy.getSpec();
        if (spec.getIngress() != null) {
            spec.getIngress().forEach(r -> expand(Direction.INGRESS, r.getFrom(), r.getPorts(), rules));
        }
        if (spec.getEgress() != null) {
            spec.getEgress().forEach(r -> expand(Direction.EGRESS, r.getTo(), r.getPorts(), rules));
        }
        return rules;
    }

    private static List<NetworkPolicyPeer> peers(SecurityRule rule) {
        if (ANYWHERE.equals(rule.remoteCidr())) {
            return List.of();
        }
        return List.of(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(rule.remoteCidr()).endIpBlock().build());
    }

    private static List<NetworkPolicyPort> ports(SecurityRule rule) {
        if (rule.protocol() == Protocol.ANY) {
            return List.of();
        }
        var port = new NetworkPolicyPortBuilder().withProtocol(rule.protocol().name());
        if (!(rule.portFrom() == 0 && rule.portTo() == MAX_PORT)) {
            port.withPort(new IntOrString(rule.portFrom()));
            if (rule.portTo() > rule.portFrom()) {
                port.withEndPort(rule.portTo());
            }
        }
        return List.of(port.build());
    }

    /** Every (peer × port) of one NetworkPolicy rule that has an SPI form. */
    private static void expand(Direction direction, List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports, List<ProviderSecurityRule> into) {
        var cidrs = new ArrayList<String>();
        if (peers == null || peers.isEmpty()) {
            cidrs.add(ANYWHERE);
        } else {
            for (NetworkPolicyPeer peer : peers) {
                if (peer.getIpBlock() != null && peer.getPodSelector() == null && peer.getNamespaceSelector() == null) {
                    cidrs.add(peer.getIpBlock().getCidr());
                }
            }
        }
        for (String cidr : cidrs) {
            if (ports == null || ports.isEmpty()) {
                add(new SecurityRule(direction, Protocol.ANY, 0, 0, cidr), into);
                continue;
            }
            for (NetworkPolicyPort port : ports) {
                Protocol protocol = protocol(port.getProtocol());
                if (protocol == null || (port.getPort() != null && port.getPort().getIntVal() == null)) {
                    continue;
                }
                int from = port.getPort() == null ? 0 : port.getPort().getIntVal();
                int to = port.getPort() == null ? MAX_PORT : port.getEndPort() == null ? from : port.getEndPort();
                add(new SecurityRule(direction, protocol, from, to, cidr), into);
            }
        }
    }

    private static Protocol protocol(String name) {
        if (name == null || "TCP".equals(name)) {
            return Protocol.TCP;  // the API server's default
        }
        return "UDP".equals(name) ? Protocol.UDP : null;
    }

    private static void add(SecurityRule rule, List<ProviderSecurityRule> into) {
        into.add(new ProviderSecurityRule(ruleId(rule), rule));
    }
}
