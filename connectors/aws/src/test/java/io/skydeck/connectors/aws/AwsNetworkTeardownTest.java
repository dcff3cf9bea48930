package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.SecurityGroups;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;

/** Undoing: an ingress rule revoked by its id, a group deleted, an Elastic IP disassociated and released. */
class AwsNetworkTeardownTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String GROUP = "sg-903004f8";
    private static final String ALLOCATION = "eipalloc-5723d13e";
    private final Ec2Peer peer = new Ec2Peer(ec2);
    private final AwsCloud cloud = peer.cloud();

    @AfterEach
    void close() {
        cloud.close();
    }

    @Test
    void anIngressRuleIsRevokedByItsRuleIdAndTheGroupIsThenDeleted() {
        ec2.stubFor(withForm(action("DescribeSecurityGroups"), Map.of("GroupId.1", GROUP)).willReturn(xml("describe-security-groups.xml")));
        ec2.stubFor(withForm(action("DescribeSecurityGroupRules"), Map.of("Filter.1.Name", "group-id", "Filter.1.Value.1", GROUP))
                .willReturn(xml("describe-security-group-rules.xml")));
        ec2.stubFor(withForm(action("RevokeSecurityGroupIngress"), Map.of("GroupId", GROUP, "SecurityGroupRuleId.1", "sgr-0a1b2c3d4e5f60003"))
                .willReturn(xml("revoke-security-group-ingress.xml")));
        ec2.stubFor(withForm(action("DeleteSecurityGroup"), Map.of("GroupId", GROUP)).willReturn(xml("delete-security-group.xml")));
        var groups = cloud.require(SecurityGroups.class);

        var revoked = groups.removeRule(GROUP, "sgr-0a1b2c3d4e5f60003");
        var deleted = groups.delete(GROUP, IdempotencyToken.of("sg-acme-web"));

        assertThat(peer.count("RevokeSecurityGroupIngress")).isEqualTo(1);
        assertThat(peer.count("RevokeSecurityGroupEgress")).isZero();
        assertThat(peer.count("DeleteSecurityGroup")).isEqualTo(1);
        assertThat(revoked.resource().id()).isEqualTo("sgr-0a1b2c3d4e5f60003");
        assertThat(deleted.resource().id()).isEqualTo(GROUP);
    }

    @Test
    void anElasticIpIsDisassociatedByItsAssociationIdThenReleasedByItsAllocationId() {
        var byId = Map.of("AllocationId.1", ALLOCATION);
        ec2.stubFor(withForm(action("DescribeAddresses"), byId).inScenario("eip").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(xml("describe-addresses-associated.xml")));
        ec2.stubFor(withForm(action("DisassociateAddress"), Map.of("AssociationId", "eipassoc-fc5ca095"))
                .inScenario("eip").willSetStateTo("disassociated").willReturn(xml("disassociate-address.xml")));
        ec2.stubFor(withForm(action("DescribeAddresses"), byId).inScenario("eip").whenScenarioStateIs("disassociated")
                .willReturn(xml("describe-addresses-allocated.xml")));
        ec2.stubFor(withForm(action("ReleaseAddress"), Map.of("AllocationId", ALLOCATION))
                .inScenario("eip").willSetStateTo("released").willReturn(xml("release-address.xml")));
        ec2.stubFor(withForm(action("DescribeAddresses"), byId).inScenario("eip").whenScenarioStateIs("released")
                .willReturn(Ec2Peer.error(400, "InvalidAllocationID.NotFound", "The allocation ID '" + ALLOCATION + "' does not exist")));
        var ips = cloud.require(PublicIps.class);

        var disassociated = ips.disassociate(ALLOCATION);
        assertThat(ips.poll(disassociated)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(ips.get(ALLOCATION).orElseThrow().serverId()).isEmpty();

        var released = ips.release(ALLOCATION, IdempotencyToken.of("eip-acme-1"));
        assertThat(ips.poll(released)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(peer.count("DisassociateAddress")).isEqualTo(1);
        assertThat(peer.count("ReleaseAddress")).isEqualTo(1);
    }
}
