package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.connectors.openstack.OpenStackStubs.TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each rendering of a rule as the body of Neutron's POST /v2.0/security-group-rules, compared
 * with golden/neutron/*.json. The stub answers any well-formed rule create for the group with the
 * X-Auth-Token; what was sent is then held against the golden file.
 */
class SecurityRuleToNeutronRuleTest {
    private static final String GROUP = "85cc3048-abc3-43cc-89b3-377341426ac5";
    private static final String WEB = "2bc0accf-312e-429a-956e-e4407625eb62";
    private OpenStackStubs stubs;
    private OpenStackCloud cloud;

    @BeforeEach
    void start() {
        stubs = new OpenStackStubs();
        stubs.stubKeystone();
        stubs.server.stubFor(get(urlPathEqualTo(stubs.network("/security-groups/" + GROUP))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .willReturn(okJson("""
                        {"security_group": {"id": "%s", "name": "db", "description": "", "project_id": "a6944d763bf64ee6a275f1263fae0352",
                         "tenant_id": "a6944d763bf64ee6a275f1263fae0352", "security_group_rules": [], "tags": [],
                         "stateful": true, "revision_number": 1}}""".formatted(GROUP))));
        stubs.server.stubFor(post(urlPathEqualTo(stubs.network("/security-group-rules"))).withHeader("X-Auth-Token", equalTo(TOKEN))
                .withRequestBody(matchingJsonPath("$.security_group_rule.security_group_id", equalTo(GROUP)))
                .willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("""
                        {"security_group_rule": {"id": "3c0e45ff-adaf-4124-b083-bf390e5482ff", "security_group_id": "%s",
                         "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22, "port_range_max": 22,
                         "remote_ip_prefix": null, "remote_group_id": null, "project_id": "a6944d763bf64ee6a275f1263fae0352",
                         "tenant_id": "a6944d763bf64ee6a275f1263fae0352", "description": "", "revision_number": 0}}""".formatted(GROUP))));
        cloud = stubs.cloud();
    }

    @AfterEach
    void stop() {
        cloud.close();
        stubs.close();
    }

    private String sentFor(SecurityRule rule) {
        cloud.require(SecurityGroups.class).addRule(GROUP, rule);
        var sent = stubs.server.findAll(postRequestedFor(urlPathEqualTo(stubs.network("/security-group-rules"))));
        assertThat(sent).hasSize(1);
        return sent.get(0).getBodyAsString();
    }

    @Test
    void tcpFromAnIpv4RangeIsAnIpv4RuleWithPrefixAndPortRange() {
        Golden.assertJson("neutron/ingress-tcp-22-ipv4-cidr.json", sentFor(SecurityRule.ingressTcp(22, "10.0.0.0/8")));
    }

    @Test
    void udpRangeFromAnIpv6RangeIsAnIpv6Rule() {
        Golden.assertJson("neutron/ingress-udp-5000-5010-ipv6-cidr.json",
                sentFor(new SecurityRule(Direction.INGRESS, Protocol.UDP, 5000, 5010, "2001:db8::/32")));
    }

    @Test
    void tcpFromAnotherGroupNamesTheRemoteGroupAndNoPrefix() {
        Golden.assertJson("neutron/ingress-tcp-5432-ipv4-group.json", sentFor(SecurityRule.ingressTcpFromGroup(5432, WEB, IpFamily.IPV4)));
    }

    @Test
    void theSameGroupRuleForIpv6IsItsOwnRule() {
        Golden.assertJson("neutron/ingress-tcp-5432-ipv6-group.json", sentFor(SecurityRule.ingressTcpFromGroup(5432, WEB, IpFamily.IPV6)));
    }

    @Test
    void icmpCarriesNoPorts() {
        Golden.assertJson("neutron/ingress-icmp-ipv4-anywhere.json",
                sentFor(new SecurityRule(Direction.INGRESS, Protocol.ICMP, 0, 0, "0.0.0.0/0")));
    }

    @Test
    void icmpForIpv6IsIpv6Icmp() {
        Golden.assertJson("neutron/ingress-icmp-ipv6-anywhere.json",
                sentFor(new SecurityRule(Direction.INGRESS, Protocol.ICMP, 0, 0, "::/0")));
    }

    @Test
    void anyProtocolEgressCarriesNeitherProtocolNorPorts() {
        Golden.assertJson("neutron/egress-any-ipv6-anywhere.json",
                sentFor(new SecurityRule(Direction.EGRESS, Protocol.ANY, 0, 0, "::/0")));
    }
}
