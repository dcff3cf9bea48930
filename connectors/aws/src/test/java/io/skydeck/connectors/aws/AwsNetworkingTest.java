package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderSecurityRule;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.SubnetSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.error;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** VPCs, subnets, security groups and Elastic IPs: created tagged with the token, found by it. */
class AwsNetworkingTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final IdempotencyToken NET_TOKEN = IdempotencyToken.of("net-acme-prod");
    private static final NetworkSpec ACME_PROD = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"),
            Map.of("skydeck:tenant", "acme"));

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private final AwsCloud cloud = peer.cloud();

    @AfterEach
    void close() {
        cloud.close();
    }

    @Test
    void aNetworkIsAVpcCreatedWithItsTokenTagInTheSameCall() {
        var byToken = Map.of("Filter.1.Name", "tag:skydeck:token", "Filter.1.Value.1", NET_TOKEN.value());
        ec2.stubFor(withForm(action("DescribeVpcs"), byToken).willReturn(xml("describe-vpcs-empty.xml")));
        ec2.stubFor(withForm(action("CreateVpc"), Map.of("CidrBlock", "10.0.0.0/16",
                "TagSpecification.1.ResourceType", "vpc",
                "TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", "acme-prod",
                "TagSpecification.1.Tag.2.Key", "skydeck:tenant", "TagSpecification.1.Tag.2.Value", "acme",
                "TagSpecification.1.Tag.3.Key", "skydeck:token", "TagSpecification.1.Tag.3.Value", NET_TOKEN.value()))
                .willReturn(xml("create-vpc.xml")));
        ec2.stubFor(withForm(action("DescribeVpcs"), Map.of("VpcId.1", "vpc-1a2b3c4d")).willReturn(xml("describe-vpcs-tagged.xml")));

        var handle = cloud.require(Networks.class).createNetwork(ACME_PROD, NET_TOKEN);

        assertThat(handle.resource().type()).isEqualTo(ResourceType.NETWORK);
        assertThat(handle.resource().id()).isEqualTo("vpc-1a2b3c4d");
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
        var network = cloud.require(Networks.class).getNetwork("vpc-1a2b3c4d").orElseThrow();
        assertThat(network.cidr()).contains("10.0.0.0/16");
        assertThat(network.token()).contains(NET_TOKEN);
        assertThat(network.tags()).isEqualTo(Map.of("skydeck:tenant", "acme"));
    }

    /** IPv6 on a VPC is an Amazon-provided /56, asked for in the same CreateVpc; a subnet takes a /64 of it in its CreateSubnet. */
    @Test
    void aDualStackVpcAsksForAnAmazonProvidedBlockAndItsSubnetForA64() {
        ec2.stubFor(action("DescribeVpcs").willReturn(xml("describe-vpcs-empty.xml")));
        ec2.stubFor(withForm(action("CreateVpc"), Map.of("CidrBlock", "10.0.0.0/16", "AmazonProvidedIpv6CidrBlock", "true"))
                .willReturn(xml("create-vpc.xml")));
        var dualStack = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"), Map.of(), true, Optional.empty());

        assertThat(cloud.require(Networks.class).createNetwork(dualStack, NET_TOKEN).resource().id()).isEqualTo("vpc-1a2b3c4d");
        assertThat(peer.count("CreateVpc")).isEqualTo(1);

        var token = IdempotencyToken.of("subnet-acme-prod-b");
        ec2.stubFor(action("DescribeSubnets").willReturn(xml("describe-subnets-empty.xml")));
        ec2.stubFor(withForm(action("CreateSubnet"), Map.of("VpcId", "vpc-1a2b3c4d", "CidrBlock", "10.0.1.0/24",
                "Ipv6CidrBlock", "2600:1f18:24d:5b01::/64")).willReturn(xml("create-subnet.xml")));

        cloud.require(Networks.class).createSubnet(new SubnetSpec("vpc-1a2b3c4d", "acme-prod-b", "10.0.1.0/24",
                Optional.of("us-east-1b"), Map.of(), Optional.of("2600:1f18:24d:5b01::/64")), token);
        assertThat(peer.count("CreateSubnet")).isEqualTo(1);
    }

    /**
     * The /56 is AWS's choice and unknown until the association is {@code associated}: the create is
     * not done before, and the network then shows the block DescribeVpcs reports.
     */
    @Test
    void aDualStackVpcIsDoneOnceItsAmazonProvidedBlockIsAssociatedAndShowsThe56() {
        var byToken = Map.of("Filter.1.Name", "tag:skydeck:token", "Filter.1.Value.1", NET_TOKEN.value());
        ec2.stubFor(withForm(action("DescribeVpcs"), byToken).willReturn(xml("describe-vpcs-empty.xml")));
        ec2.stubFor(withForm(action("CreateVpc"), Map.of("CidrBlock", "10.0.0.0/16", "AmazonProvidedIpv6CidrBlock", "true",
                "TagSpecification.1.ResourceType", "vpc", "TagSpecification.1.Tag.1.Value", "acme-prod"))
                .willReturn(xml("create-vpc.xml")));
        var byId = Map.of("VpcId.1", "vpc-1a2b3c4d");
        ec2.stubFor(withForm(action("DescribeVpcs"), byId).inScenario("ipv6").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("associated").willReturn(xml("describe-vpcs-ipv6-associating.xml")));
        ec2.stubFor(withForm(action("DescribeVpcs"), byId).inScenario("ipv6").whenScenarioStateIs("associated")
                .willReturn(xml("describe-vpcs-ipv6-associated.xml")));
        var dualStack = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"), Map.of("skydeck:tenant", "acme"),
                true, Optional.empty());
        var networks = cloud.require(Networks.class);

        var handle = networks.createNetwork(dualStack, NET_TOKEN);

        assertThat(cloud.poll(handle)).isInstanceOfSatisfying(OperationStatus.InProgress.class,
                progress -> assertThat(progress.detail()).contains("associating"));
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
        assertThat(networks.getNetwork("vpc-1a2b3c4d").orElseThrow().ipv6Cidr()).contains("2600:1f18:24d:5b00::/56");
        assertThat(peer.count("CreateVpc")).isEqualTo(1);
        assertThat(peer.count("AssociateVpcCidrBlock")).isZero();
        assertThat(networks.realisesIpv6()).isTrue();
        assertThat(networks.assignsIpv6Range()).isTrue();
    }

    /** A VPC found by its token that holds its IPv6 block (associated or still associating) is not given a second one. */
    @Test
    void aRepeatedDualStackCreateFindsTheVpcAndAssociatesNoSecondBlock() {
        ec2.stubFor(action("DescribeVpcs").inScenario("repeat").whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("associated").willReturn(xml("describe-vpcs-ipv6-associating.xml")));
        ec2.stubFor(action("DescribeVpcs").inScenario("repeat").whenScenarioStateIs("associated")
                .willReturn(xml("describe-vpcs-ipv6-associated.xml")));
        var dualStack = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"), Map.of(), true, Optional.empty());

        cloud.require(Networks.class).createNetwork(dualStack, NET_TOKEN);
        var handle = cloud.require(Networks.class).createNetwork(dualStack, NET_TOKEN);

        assertThat(handle.resource().id()).isEqualTo("vpc-1a2b3c4d");
        assertThat(peer.count("CreateVpc")).isZero();
        assertThat(peer.count("AssociateVpcCidrBlock")).isZero();
    }

    /** A VPC found by its token without an IPv6 block (its association failed) is given one, once. */
    @Test
    void aRepeatedDualStackCreateAssociatesABlockWithAVpcThatHasNone() {
        ec2.stubFor(action("DescribeVpcs").willReturn(xml("describe-vpcs-tagged.xml")));
        ec2.stubFor(withForm(action("AssociateVpcCidrBlock"), Map.of("VpcId", "vpc-1a2b3c4d", "AmazonProvidedIpv6CidrBlock", "true"))
                .willReturn(xml("associate-vpc-cidr-block-ipv6.xml")));
        var dualStack = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"), Map.of(), true, Optional.empty());

        var handle = cloud.require(Networks.class).createNetwork(dualStack, NET_TOKEN);

        assertThat(handle.resource().id()).isEqualTo("vpc-1a2b3c4d");
        assertThat(peer.count("CreateVpc")).isZero();
        assertThat(peer.count("AssociateVpcCidrBlock")).isEqualTo(1);
        assertThat(ec2.findAll(Ec2Peer.sent("AssociateVpcCidrBlock")).get(0).getBodyAsString()).doesNotContain("&Ipv6CidrBlock=", "Ipv6Pool");
    }

    @Test
    void aTenantGivenIpv6RangeIsRefusedForItNeedsAnIpv6Pool() {
        ec2.stubFor(action("DescribeVpcs").willReturn(xml("describe-vpcs-empty.xml")));
        var given = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"), Map.of(), true, Optional.of("fd00:50::/56"));

        assertThatThrownBy(() -> cloud.require(Networks.class).createNetwork(given, NET_TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> assertThat(rejected.getMessage()).contains("Ipv6Pool"));
        assertThat(peer.count("CreateVpc")).isZero();
    }

    @Test
    void repeatingANetworkCreateFindsTheTaggedVpcAndCreatesNothing() {
        ec2.stubFor(action("DescribeVpcs").willReturn(xml("describe-vpcs-tagged.xml")));

        var handle = cloud.require(Networks.class).createNetwork(ACME_PROD, NET_TOKEN);

        assertThat(handle.resource().id()).isEqualTo("vpc-1a2b3c4d");
        assertThat(peer.count("CreateVpc")).isZero();
        assertThat(cloud.require(Networks.class).findByToken(NET_TOKEN))
                .get().satisfies(ref -> assertThat(ref.type()).isEqualTo(ResourceType.NETWORK));
    }

    @Test
    void theNetworkTokenWithAnotherCidrIsAnIdempotencyMismatch() {
        ec2.stubFor(action("DescribeVpcs").willReturn(xml("describe-vpcs-tagged.xml")));
        var other = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.9.0.0/16"), Map.of());

        assertThatThrownBy(() -> cloud.require(Networks.class).createNetwork(other, NET_TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected ->
                        assertThat(rejected.providerCode()).contains("IdempotentParameterMismatch"));
    }

    @Test
    void aSubnetIsCreatedInItsVpcAndZone() {
        var token = IdempotencyToken.of("subnet-acme-prod-b");
        ec2.stubFor(withForm(action("DescribeSubnets"), Map.of("Filter.1.Name", "tag:skydeck:token", "Filter.1.Value.1", token.value()))
                .willReturn(xml("describe-subnets-empty.xml")));
        ec2.stubFor(withForm(action("CreateSubnet"), Map.of("VpcId", "vpc-1a2b3c4d", "CidrBlock", "10.0.1.0/24",
                "AvailabilityZone", "us-east-1b", "TagSpecification.1.ResourceType", "subnet",
                "TagSpecification.1.Tag.2.Key", "skydeck:token", "TagSpecification.1.Tag.2.Value", token.value()))
                .willReturn(xml("create-subnet.xml")));

        var handle = cloud.require(Networks.class).createSubnet(
                new SubnetSpec("vpc-1a2b3c4d", "acme-prod-b", "10.0.1.0/24", Optional.of("us-east-1b"), Map.of()), token);

        assertThat(handle.resource()).extracting(r -> r.type(), r -> r.id()).containsExactly(ResourceType.SUBNET, "subnet-9d4a7b6c");
    }

    @Test
    void deletingAVpcThatStillHasSubnetsIsRejectedWithEc2sReason() {
        ec2.stubFor(action("DeleteVpc").willReturn(error(400, "DependencyViolation",
                "The vpc 'vpc-1a2b3c4d' has dependencies and cannot be deleted.")));

        assertThatThrownBy(() -> cloud.require(Networks.class).deleteNetwork("vpc-1a2b3c4d", NET_TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("DependencyViolation");
                    assertThat(rejected.providerMessage()).contains("has dependencies");
                });
    }

    @Test
    void aSecurityGroupIsCreatedInItsVpcWithItsIngressRules() {
        var token = IdempotencyToken.of("sg-acme-web");
        ec2.stubFor(action("DescribeSecurityGroups").willReturn(xml("describe-security-groups-empty.xml")));
        ec2.stubFor(withForm(action("CreateSecurityGroup"), Map.of("GroupName", "web", "GroupDescription", "web tier of acme",
                "VpcId", "vpc-1a2b3c4d", "TagSpecification.1.ResourceType", "security-group"))
                .willReturn(xml("create-security-group.xml")));
        ec2.stubFor(withForm(action("AuthorizeSecurityGroupIngress"), Map.of("GroupId", "sg-903004f8",
                "IpPermissions.1.IpProtocol", "tcp", "IpPermissions.1.FromPort", "443", "IpPermissions.1.ToPort", "443",
                "IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0")).willReturn(xml("authorize-security-group-ingress.xml")));
        var spec = new SecurityGroupSpec("web", "us-east-1", "web tier of acme", Optional.of("vpc-1a2b3c4d"),
                List.of(SecurityRule.ingressTcp(443, "0.0.0.0/0")), Map.of());

        var handle = cloud.require(SecurityGroups.class).create(spec, token);

        assertThat(handle.resource().id()).isEqualTo("sg-903004f8");
        assertThat(peer.count("AuthorizeSecurityGroupIngress")).isEqualTo(1);
    }

    @Test
    void addingARuleTheGroupAlreadyHasSucceedsWithTheExistingRuleId() {
        ec2.stubFor(action("AuthorizeSecurityGroupIngress").willReturn(error(400, "InvalidPermission.Duplicate",
                "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 443, to port: 443, ALLOW\" already exists")));
        ec2.stubFor(withForm(action("DescribeSecurityGroupRules"), Map.of("Filter.1.Name", "group-id", "Filter.1.Value.1", "sg-903004f8"))
                .willReturn(xml("describe-security-group-rules.xml")));

        var handle = cloud.require(SecurityGroups.class).addRule("sg-903004f8", SecurityRule.ingressTcp(443, "0.0.0.0/0"));

        assertThat(handle.resource()).extracting(r -> r.type(), r -> r.id())
                .containsExactly(ResourceType.SECURITY_GROUP_RULE, "sgr-0a1b2c3d4e5f60001");
        assertThat(handle.kind()).isEqualTo(OperationKind.CREATE);
        assertThat(cloud.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
    }

    @Test
    void removingAnEgressRuleRevokesItByRuleId() {
        ec2.stubFor(action("DescribeSecurityGroupRules").willReturn(xml("describe-security-group-rules.xml")));
        ec2.stubFor(withForm(action("RevokeSecurityGroupEgress"), Map.of("GroupId", "sg-903004f8",
                "SecurityGroupRuleId.1", "sgr-0a1b2c3d4e5f60002")).willReturn(xml("revoke-security-group-egress.xml")));

        cloud.require(SecurityGroups.class).removeRule("sg-903004f8", "sgr-0a1b2c3d4e5f60002");

        assertThat(peer.count("RevokeSecurityGroupEgress")).isEqualTo(1);
        assertThat(peer.count("RevokeSecurityGroupIngress")).isZero();
    }

    @Test
    void aGroupShowsItsRulesIncludingOneNamingAnotherGroupAndDescribesOneNamingAPrefixList() {
        ec2.stubFor(withForm(action("DescribeSecurityGroups"), Map.of("GroupId.1", "sg-903004f8"))
                .willReturn(xml("describe-security-groups.xml")));
        ec2.stubFor(action("DescribeSecurityGroupRules").willReturn(xml("describe-security-group-rules.xml")));

        var group = cloud.require(SecurityGroups.class).get("sg-903004f8").orElseThrow();

        assertThat(group.networkId()).contains("vpc-1a2b3c4d");
        assertThat(group.token()).contains(IdempotencyToken.of("sg-acme-web"));
        assertThat(group.rules()).containsExactly(
                new ProviderSecurityRule("sgr-0a1b2c3d4e5f60001", SecurityRule.ingressTcp(443, "0.0.0.0/0")),
                new ProviderSecurityRule("sgr-0a1b2c3d4e5f60002",
                        new SecurityRule(SecurityRule.Direction.EGRESS, SecurityRule.Protocol.ANY, 0, 0, "0.0.0.0/0")),
                new ProviderSecurityRule("sgr-0a1b2c3d4e5f60003",
                        SecurityRule.ingressTcpFromGroup(5432, "sg-0598c7d356eba48d7", SecurityRule.IpFamily.IPV4)));
        assertThat(group.inexpressibleRules()).containsExactly("sgr-0a1b2c3d4e5f60005: egress tcp 443-443 prefix list pl-63a5400a");
    }

    @Test
    void anElasticIpIsAllocatedTaggedAssociatedAndReleased() {
        var token = IdempotencyToken.of("eip-acme-1");
        var allocationId = "eipalloc-5723d13e";
        ec2.stubFor(action("DescribeAddresses").inScenario("eip").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(xml("describe-addresses-empty.xml")));
        ec2.stubFor(withForm(action("AllocateAddress"), Map.of("Domain", "vpc", "TagSpecification.1.ResourceType", "elastic-ip",
                "TagSpecification.1.Tag.2.Key", "skydeck:token", "TagSpecification.1.Tag.2.Value", token.value()))
                .inScenario("eip").willSetStateTo("allocated").willReturn(xml("allocate-address.xml")));
        ec2.stubFor(withForm(action("AssociateAddress"), Map.of("AllocationId", allocationId, "InstanceId", "i-0598c7d356eba48d7"))
                .willReturn(xml("associate-address.xml")));
        ec2.stubFor(action("DescribeAddresses").inScenario("eip").whenScenarioStateIs("allocated")
                .willReturn(xml("describe-addresses-associated.xml")));
        ec2.stubFor(action("ReleaseAddress").willReturn(error(400, "InvalidIPAddress.InUse",
                "Address 198.51.100.0 is in use.")));
        var ips = cloud.require(PublicIps.class);

        var allocated = ips.allocate(new PublicIpSpec("us-east-1", Optional.empty(), Map.of()), token);
        var associated = ips.associate(allocationId, "i-0598c7d356eba48d7");

        assertThat(allocated.resource().id()).isEqualTo(allocationId);
        assertThat(ips.poll(associated)).isInstanceOf(OperationStatus.Succeeded.class);
        var address = ips.findByToken(token).orElseThrow();
        assertThat(address.address()).isEqualTo("198.51.100.0");
        assertThat(address.serverId()).contains("i-0598c7d356eba48d7");
        assertThatThrownBy(() -> ips.release(allocationId, token))
                .isInstanceOfSatisfying(RequestRejected.class, rejected ->
                        assertThat(rejected.providerCode()).contains("InvalidIPAddress.InUse"));
    }
}
