package io.skydeck.connectors.kubernetes;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Security rules as NetworkPolicy ingress/egress rules, and back. The mapping, and where it
 * stops:
 * <ul>
 * <li>One SPI rule is one NetworkPolicy rule with one peer and at most one port entry.</li>
 * <li>{@code remoteCidr} "0.0.0.0/0" ("anywhere") is a rule without peers, which also admits
 *     pods of any namespace; any other CIDR (IPv6 "::/0" included) is an {@code ipBlock},
 *     which CNIs apply to cluster-external addresses and, depending on the CNI, not to pod IPs.</li>
 * <li>{@code remoteGroupId} "namespace/name" is a {@code podSelector} on that group's member
 *     label ({@link SecurityGroupMembers}), with a {@code namespaceSelector} on
 *     {@code kubernetes.io/metadata.name} when the group lives in another namespace. A pod
 *     selector admits its pods' addresses of both families, so a group rule is IPv4 here, and an
 *     IPv6 one is refused rather than silently widened.</li>
 * <li>TCP and UDP port ranges map to {@code port}/{@code endPort}; 0..65535 is the protocol
 *     without a port. NetworkPolicy ports start at 1, so another range from 0 is refused.</li>
 * <li>ANY is a rule without ports. ICMP cannot be expressed and is refused.</li>
 * <li>Reading back a policy Skydeck did not write: peers selecting pods or namespaces other than
 *     by a member label, named ports, SCTP, and {@code ipBlock.except} have no SPI form and are
 *     left out.</li>
 * </ul>
 */
final class SecurityRulesToNetworkPolicy {
    static final String ANYWHERE = "0.0.0.0/0";
    static final String NAMESPACE_NAME = "kubernetes.io/metadata.name";
    private static final int MAX_PORT = 65535;

    private SecurityRulesToNetworkPolicy() {
    }

    /**
     * A rule's id is the rule itself, because NetworkPolicy rules have no ids:
     * "ingress:tcp:443-443:10.0.0.0/8", "ingress:tcp:5432-5432:group=skydeck-acme/web".
     */
    static String ruleId(SecurityRule rule) {
        String remote = rule.remoteCidr().orElseGet(() -> "group=" + rule.remoteGroupId().orElseThrow());
        return String.join(":", rule.direction().name().toLowerCase(Locale.ROOT), rule.protocol().name().toLowerCase(Locale.ROOT),
                rule.portFrom() + "-" + rule.portTo(), remote);
    }

    /** @throws IllegalArgumentException with the reason when NetworkPolicy cannot express the rule */
    static void requireExpressible(SecurityRule rule) {
        if (rule.protocol() == Protocol.ICMP) {
            throw new IllegalArgumentException("NetworkPolicy cannot express ICMP rules (TCP, UDP and SCTP only).");
        }
        if (rule.protocol() != Protocol.ANY && rule.portFrom() == 0 && rule.portTo() != MAX_PORT) {
            throw new IllegalArgumentException("NetworkPolicy ports start at 1: " + rule.portFrom() + ".." + rule.portTo());
        }
        if (rule.remoteGroupId().isPresent()) {
            if (rule.family() == IpFamily.IPV6) {
                throw new IllegalArgumentException("NetworkPolicy cannot limit a pod selector to IPv6: a rule naming group "
                        + rule.remoteGroupId().get() + " admits both families; state it as IPV4");
            }
            SecurityGroupMembers.labelKey(SecurityGroupMembers.nameOf(rule.remoteGroupId().get()));
        }
    }

    /** The pods a group's policy applies to: its members. */
    static LabelSelector members(String groupName) {
        return new LabelSelectorBuilder().withMatchLabels(Map.of(SecurityGroupMembers.labelKey(groupName), SecurityGroupMembers.MEMBER)).build();
    }

    static NetworkPolicyIngressRule ingress(SecurityRule rule, String namespace) {
        requireExpressible(rule);
        return new NetworkPolicyIngressRuleBuilder().withFrom(peers(rule, namespace)).withPorts(ports(rule)).build();
    }

    static NetworkPolicyEgressRule egress(SecurityRule rule, String namespace) {
        requireExpressible(rule);
        return new NetworkPolicyEgressRuleBuilder().withTo(peers(rule, namespace)).withPorts(ports(rule)).build();
    }

    static List<ProviderSecurityRule> rules(NetworkPolicy policy) {
        var rules = new ArrayList<ProviderSecurityRule>();
        walk(policy, rules, new ArrayList<>());
        return rules;
    }

    /** The peers and ports of the policy that have no SPI form, one line each: "ingress peer {…}". */
    static List<String> inexpressible(NetworkPolicy policy) {
        var inexpressible = new ArrayList<String>();
        walk(policy, new ArrayList<>(), inexpressible);
        return inexpressible;
    }

    private static void walk(NetworkPolicy policy, List<ProviderSecurityRule> rules, List<String> inexpressible) {
        var spec = policy.getSpec();
        String namespace = policy.getMetadata().getNamespace();
        if (spec.getIngress() != null) {
            spec.getIngress().forEach(r -> expand(Direction.INGRESS, namespace, r.getFrom(), r.getPorts(), rules, inexpressible));
        }
        if (spec.getEgress() != null) {
            spec.getEgress().forEach(r -> expand(Direction.EGRESS, namespace, r.getTo(), r.getPorts(), rules, inexpressible));
        }
    }

    private static List<NetworkPolicyPeer> peers(SecurityRule rule, String namespace) {
        if (rule.remoteGroupId().isPresent()) {
            String group = rule.remoteGroupId().get();
            var peer = new NetworkPolicyPeerBuilder().withPodSelector(members(SecurityGroupMembers.nameOf(group)));
            String groupNamespace = SecurityGroupMembers.namespaceOf(group);
            if (!groupNamespace.equals(namespace)) {
                peer.withNewNamespaceSelector().withMatchLabels(Map.of(NAMESPACE_NAME, groupNamespace)).endNamespaceSelector();
            }
            return List.of(peer.build());
        }
        String cidr = rule.remoteCidr().orElseThrow();
        if (ANYWHERE.equals(cidr)) {
            return List.of();
        }
        return List.of(new NetworkPolicyPeerBuilder().withNewIpBlock().withCidr(cidr).endIpBlock().build());
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

    /** A peer as the SPI's remote: a CIDR, "group=namespace/name", or none when it has no SPI form. */
    private record Remote(Optional<String> cidr, Optional<String> groupId) {
    }

    /** Every (peer × port) of one NetworkPolicy rule that has an SPI form. */
    private static void expand(Direction direction, String namespace, List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports,
                               List<ProviderSecurityRule> into, List<String> inexpressible) {
        String side = direction.name().toLowerCase(Locale.ROOT);
        var remotes = new ArrayList<Remote>();
        if (peers == null || peers.isEmpty()) {
            remotes.add(new Remote(Optional.of(ANYWHERE), Optional.empty()));
        } else {
            for (NetworkPolicyPeer peer : peers) {
                Optional<Remote> remote;
                if (peer.getIpBlock() != null && peer.getPodSelector() == null && peer.getNamespaceSelector() == null) {
                    boolean except = peer.getIpBlock().getExcept() != null && !peer.getIpBlock().getExcept().isEmpty();
                    remote = except ? Optional.empty() : Optional.of(new Remote(Optional.of(peer.getIpBlock().getCidr()), Optional.empty()));
                } else {
                    remote = groupOf(peer, namespace).map(group -> new Remote(Optional.empty(), Optional.of(group)));
                }
                remote.ifPresentOrElse(remotes::add, () -> inexpressible.add(side + " peer " + Serialization.asJson(peer)));
            }
        }
        for (Remote remote : remotes) {
            if (ports == null || ports.isEmpty()) {
                add(rule(direction, Protocol.ANY, 0, 0, remote), into);
                continue;
            }
            for (NetworkPolicyPort port : ports) {
                Protocol protocol = protocol(port.getProtocol());
                if (protocol == null || (port.getPort() != null && port.getPort().getIntVal() == null)) {
                    if (remote == remotes.get(0)) {
                        inexpressible.add(side + " port " + Serialization.asJson(port));
                    }
                    continue;
                }
                int from = port.getPort() == null ? 0 : port.getPort().getIntVal();
                int to = port.getPort() == null ? MAX_PORT : port.getEndPort() == null ? from : port.getEndPort();
                add(rule(direction, protocol, from, to, remote), into);
            }
        }
    }

    /** A pod selector that is exactly one member label, optionally in a namespace named by its metadata.name label. */
    private static Optional<String> groupOf(NetworkPolicyPeer peer, String namespace) {
        LabelSelector pods = peer.getPodSelector();
        if (pods == null || hasExpressions(pods) || pods.getMatchLabels() == null || pods.getMatchLabels().size() != 1) {
            return Optional.empty();
        }
        var label = pods.getMatchLabels().entrySet().iterator().next();
        if (!label.getKey().startsWith(SecurityGroupMembers.PREFIX) || !SecurityGroupMembers.MEMBER.equals(label.getValue())) {
            return Optional.empty();
        }
        String groupNamespace = namespace;
        LabelSelector namespaces = peer.getNamespaceSelector();
        if (namespaces != null) {
            Map<String, String> byName = namespaces.getMatchLabels();
            if (hasExpressions(namespaces) || byName == null || byName.size() != 1 || !byName.containsKey(NAMESPACE_NAME)) {
                return Optional.empty();
            }
            groupNamespace = byName.get(NAMESPACE_NAME);
        }
        return Optional.of(groupNamespace + "/" + label.getKey().substring(SecurityGroupMembers.PREFIX.length()));
    }

    private static boolean hasExpressions(LabelSelector selector) {
        return selector.getMatchExpressions() != null && !selector.getMatchExpressions().isEmpty();
    }

    private static SecurityRule rule(Direction direction, Protocol protocol, int from, int to, Remote remote) {
        return remote.groupId().isPresent()
                ? SecurityRule.withRemoteGroup(direction, protocol, from, to, remote.groupId().get(), IpFamily.IPV4)
                : new SecurityRule(direction, protocol, from, to, remote.cidr().orElseThrow());
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
