package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SecurityRule.Direction;
import io.skydeck.connectors.spi.SecurityRule.IpFamily;
import io.skydeck.connectors.spi.SecurityRule.Protocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ec2.model.ReferencedSecurityGroup;
import software.amazon.awssdk.services.ec2.model.SecurityGroupRule;

import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.sent;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each rendering of a rule as the EC2 Query request AuthorizeSecurityGroupIngress/Egress,
 * compared with golden/ec2/*.form; and EC2's rules read back. The stubs answer a signed call of
 * the action for the group; what was sent is then held against the golden file.
 */
class SecurityRuleToIpPermissionTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String GROUP = "sg-903004f8";
    private static final String WEB = "sg-0598c7d356eba48d7";
    private final Ec2Peer peer = new Ec2Peer(ec2);
    private AwsCloud cloud;

    @BeforeEach
    void start() {
        cloud = peer.cloud();
        ec2.stubFor(withForm(action("DescribeSecurityGroups"), Map.of("GroupId.1", GROUP)).willReturn(xml("describe-security-groups.xml")));
        ec2.stubFor(withForm(action("AuthorizeSecurityGroupIngress"), Map.of("GroupId", GROUP))
                .willReturn(xml("authorize-security-group-ingress.xml")));
        ec2.stubFor(withForm(action("AuthorizeSecurityGroupEgress"), Map.of("GroupId", GROUP))
                .willReturn(xml("authorize-security-group-egress.xml")));
    }

    @AfterEach
    void close() {
        cloud.close();
    }

    private String sentFor(SecurityRule rule) {
        cloud.require(SecurityGroups.class).addRule(GROUP, rule);
        String action = rule.direction() == Direction.INGRESS ? "AuthorizeSecurityGroupIngress" : "AuthorizeSecurityGroupEgress";
        var requests = ec2.findAll(sent(action));
        assertThat(requests).hasSize(1);
        return requests.get(0).getBodyAsString();
    }

    @Test
    void tcpFromAnIpv4RangeIsAnIpRange() {
        Golden.assertForm("ec2/ingress-tcp-443-ipv4-cidr.form", sentFor(SecurityRule.ingressTcp(443, "0.0.0.0/0")));
    }

    @Test
    void udpRangeFromAnIpv6RangeIsAnIpv6Range() {
        Golden.assertForm("ec2/ingress-udp-5000-5010-ipv6-cidr.form",
                sentFor(new SecurityRule(Direction.INGRESS, Protocol.UDP, 5000, 5010, "2001:db8::/32")));
    }

    @Test
    void tcpFromAnotherGroupIsAUserIdGroupPair() {
        Golden.assertForm("ec2/ingress-tcp-5432-group.form", sentFor(SecurityRule.ingressTcpFromGroup(5432, WEB, IpFamily.IPV4)));
    }

    @Test
    void icmpIsEveryTypeAndCodeAndForIpv6IsIcmpv6() {
        Golden.assertForm("ec2/ingress-icmp-ipv6-cidr.form", sentFor(new SecurityRule(Direction.INGRESS, Protocol.ICMP, 0, 0, "::/0")));
    }

    @Test
    void anyProtocolEgressIsMinusOneWithoutPorts() {
        Golden.assertForm("ec2/egress-any-ipv6-anywhere.form", sentFor(new SecurityRule(Direction.EGRESS, Protocol.ANY, 0, 0, "::/0")));
    }

    @Test
    void anIpv6GroupRuleIsRefusedBeforeAnyCallBecauseEc2GroupReferencesCoverBothFamilies() {
        assertThatThrownBy(() -> cloud.require(SecurityGroups.class).addRule(GROUP, SecurityRule.ingressTcpFromGroup(5432, WEB, IpFamily.IPV6)))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("InexpressibleRule");
                    assertThat(rejected.providerMessage()).contains("admits both families");
                });
        assertThat(ec2.getAllServeEvents()).isEmpty();
    }

    @Test
    void aRuleReferencingAGroupReadsBackAsAnIpv4GroupRule() {
        var rule = SecurityGroupRule.builder().securityGroupRuleId("sgr-3").groupId(GROUP).isEgress(false).ipProtocol("tcp")
                .fromPort(5432).toPort(5432).referencedGroupInfo(ReferencedSecurityGroup.builder().groupId(WEB).userId("123456789012").build())
                .build();

        assertThat(SecurityRuleToIpPermission.convert(rule)).hasValueSatisfying(read -> {
            assertThat(read.id()).isEqualTo("sgr-3");
            assertThat(read.rule()).isEqualTo(SecurityRule.ingressTcpFromGroup(5432, WEB, IpFamily.IPV4));
        });
    }

    @Test
    void aRuleNamingAPrefixListHasNoSkydeckForm() {
        var rule = SecurityGroupRule.builder().securityGroupRuleId("sgr-4").groupId(GROUP).isEgress(true).ipProtocol("tcp")
                .fromPort(443).toPort(443).prefixListId("pl-63a5400a").build();

        assertThat(SecurityRuleToIpPermission.convert(rule)).isEmpty();
    }
}
