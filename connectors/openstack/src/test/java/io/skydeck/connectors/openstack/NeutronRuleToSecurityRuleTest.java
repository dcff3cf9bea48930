package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.junit.jupiter.api.Test;
import org.openstack4j.openstack.networking.domain.NeutronSecurityGroupRule;

import static org.assertj.core.api.Assertions.assertThat;

/** Neutron's rules as GET /v2.0/security-groups/{id} shows them, read back as Skydeck rules. */
class NeutronRuleToSecurityRuleTest {

    private static NeutronSecurityGroupRule neutron(String json) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(json, NeutronSecurityGroupRule.class);
    }

    @Test
    void aRuleNamingARemoteGroupKeepsTheGroupAndItsEthertype() throws Exception {
        var rule = neutron("""
                {"id": "r1", "direction": "ingress", "ethertype": "IPv6", "protocol": "tcp", "port_range_min": 5432,
                 "port_range_max": 5432, "remote_group_id": "sg-web", "remote_ip_prefix": null}""");

        assertThat(NeutronRuleToSecurityRule.convert(rule))
                .contains(new ProviderSecurityRule("r1", SecurityRule.ingressTcpFromGroup(5432, "sg-web", IpFamily.IPV6)));
    }

    @Test
    void noProtocolNoPortsAndNoRemoteIsAnyProtocolFromAnywhereOfTheEthertype() throws Exception {
        var egress6 = neutron("""
                {"id": "r2", "direction": "egress", "ethertype": "IPv6", "protocol": null, "port_range_min": null,
                 "port_range_max": null, "remote_group_id": null, "remote_ip_prefix": null}""");

        assertThat(NeutronRuleToSecurityRule.convert(egress6).orElseThrow().rule())
                .isEqualTo(new SecurityRule(Direction.EGRESS, Protocol.ANY, 0, 0, "::/0"));
    }

    @Test
    void tcpWithoutPortsIsEveryPortAndIpv6IcmpIsIcmp() throws Exception {
        var tcp = neutron("""
                {"id": "r3", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "remote_ip_prefix": "192.0.2.0/24"}""");
        var icmp6 = neutron("""
                {"id": "r4", "direction": "ingress", "ethertype": "IPv6", "protocol": "ipv6-icmp", "remote_ip_prefix": "::/0"}""");

        assertThat(NeutronRuleToSecurityRule.convert(tcp).orElseThrow().rule())
                .isEqualTo(new SecurityRule(Direction.INGRESS, Protocol.TCP, 0, 65535, "192.0.2.0/24"));
        assertThat(NeutronRuleToSecurityRule.convert(icmp6).orElseThrow().rule())
                .isEqualTo(new SecurityRule(Direction.INGRESS, Protocol.ICMP, 0, 0, "::/0"));
    }

    @Test
    void aProtocolSkydeckHasNoNameForIsDescribedInsteadOfConverted() throws Exception {
        var gre = neutron("""
                {"id": "r5", "direction": "ingress", "ethertype": "IPv4", "protocol": "gre", "remote_ip_prefix": "198.51.100.0/24"}""");

        assertThat(NeutronRuleToSecurityRule.convert(gre)).isEmpty();
        assertThat(NeutronRuleToSecurityRule.describe(gre)).isEqualTo("r5: ingress IPv4 protocol gre 198.51.100.0/24");
    }
}
