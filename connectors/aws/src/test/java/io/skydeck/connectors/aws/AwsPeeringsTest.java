package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.error;
import static io.skydeck.connectors.aws.Ec2Peer.sent;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * VPC peering in one account: created tagged with the token, accepted, and routed both ways in
 * every route table of each VPC; deleted with its routes. Every stub names the parameters EC2
 * must get, so a wrong request finds none and fails.
 */
class AwsPeeringsTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final IdempotencyToken TOKEN = IdempotencyToken.of("skydeck-lnk-1");
    private static final Map<String, String> BY_TOKEN = Map.of("Filter.1.Name", "tag:skydeck:token", "Filter.1.Value.1", TOKEN.value());
    private static final PeeringSpec EAST_TO_EAST = new PeeringSpec(new PeeringSpec.NetworkSide("us-east-1", "vpc-1a2b3c4d", "10.0.0.0/16"),
            new PeeringSpec.NetworkSide("us-east-1", "vpc-5e6f7a8b", "10.1.0.0/16"), Map.of("skydeck-link", "l-1"));

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private final AwsCloud cloud = peer.cloud();

    @AfterEach
    void close() {
        cloud.close();
    }

    private static void routeTables() {
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-route-tables-requester.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-5e6f7a8b"))
                .willReturn(xml("describe-route-tables-accepter.xml")));
    }

    @Test
    void aPeeringIsCreatedTaggedAcceptedAndRoutedBothWays() {
        ec2.stubFor(withForm(action("DescribeVpcPeeringConnections"), BY_TOKEN).willReturn(xml("describe-vpc-peering-connections-empty.xml")));
        ec2.stubFor(withForm(action("CreateVpcPeeringConnection"), Map.of("VpcId", "vpc-1a2b3c4d", "PeerVpcId", "vpc-5e6f7a8b",
                "TagSpecification.1.ResourceType", "vpc-peering-connection",
                "TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", "skydeck-peering",
                "TagSpecification.1.Tag.2.Key", "skydeck-link", "TagSpecification.1.Tag.2.Value", "l-1",
                "TagSpecification.1.Tag.3.Key", "skydeck:token", "TagSpecification.1.Tag.3.Value", TOKEN.value()))
                .willReturn(xml("create-vpc-peering-connection.xml")));
        ec2.stubFor(withForm(action("AcceptVpcPeeringConnection"), Map.of("VpcPeeringConnectionId", "pcx-73a5401a"))
                .willReturn(xml("accept-vpc-peering-connection.xml")));
        routeTables();
        ec2.stubFor(withForm(action("CreateRoute"), Map.of("RouteTableId", "rtb-22574640", "DestinationCidrBlock", "10.1.0.0/16",
                "VpcPeeringConnectionId", "pcx-73a5401a")).willReturn(xml("create-route.xml")));
        ec2.stubFor(withForm(action("CreateRoute"), Map.of("RouteTableId", "rtb-33685751", "DestinationCidrBlock", "10.0.0.0/16",
                "VpcPeeringConnectionId", "pcx-73a5401a")).willReturn(xml("create-route.xml")));
        ec2.stubFor(withForm(action("DescribeVpcPeeringConnections"), Map.of("VpcPeeringConnectionId.1", "pcx-73a5401a"))
                .willReturn(xml("describe-vpc-peering-connections-active.xml")));

        var peerings = cloud.require(NetworkPeerings.class);
        var handle = peerings.createPeering(EAST_TO_EAST, TOKEN);

        assertThat(cloud.capabilities()).contains(CapabilityKind.NETWORK_PEERINGS);
        assertThat(handle.resource().type()).isEqualTo(ResourceType.NETWORK_PEERING);
        assertThat(handle.resource().id()).isEqualTo("pcx-73a5401a");
        assertThat(handle.kind()).isEqualTo(OperationKind.CREATE);
        assertThat(peer.count("CreateVpcPeeringConnection")).isEqualTo(1);
        assertThat(peer.count("AcceptVpcPeeringConnection")).isEqualTo(1);
        assertThat(peer.count("CreateRoute")).isEqualTo(2);
        Golden.assertForm("ec2/create-route-through-peering.form", ec2.findAll(sent("CreateRoute")).get(0).getBodyAsString());
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
        var found = peerings.getPeering("pcx-73a5401a").orElseThrow();
        assertThat(found.networkId()).isEqualTo("vpc-1a2b3c4d");
        assertThat(found.peerNetworkId()).isEqualTo("vpc-5e6f7a8b");
        assertThat(found.token()).contains(TOKEN);
        assertThat(found.tags()).isEqualTo(Map.of("skydeck-link", "l-1"));
    }

    @Test
    void aRepeatedCreateFindsTheTaggedPeeringAndOnlyAddsTheRoutesThatAreMissing() {
        ec2.stubFor(withForm(action("DescribeVpcPeeringConnections"), BY_TOKEN).willReturn(xml("describe-vpc-peering-connections-active.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-route-tables-requester-peered.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-5e6f7a8b"))
                .willReturn(xml("describe-route-tables-accepter.xml")));
        // The first attempt's CreateRoute on this table may have landed unseen: EC2 then says so, and that is success.
        ec2.stubFor(withForm(action("CreateRoute"), Map.of("RouteTableId", "rtb-33685751", "DestinationCidrBlock", "10.0.0.0/16",
                "VpcPeeringConnectionId", "pcx-73a5401a")).willReturn(error(400, "RouteAlreadyExists",
                "The route identified by 10.0.0.0/16 already exists.")));

        var handle = cloud.require(NetworkPeerings.class).createPeering(EAST_TO_EAST, TOKEN);

        assertThat(handle.resource().id()).isEqualTo("pcx-73a5401a");
        assertThat(peer.count("CreateVpcPeeringConnection")).isZero();
        assertThat(peer.count("AcceptVpcPeeringConnection")).isZero();
        assertThat(peer.count("CreateRoute")).isEqualTo(1);
    }

    @Test
    void aPeeringToAnotherRegionNamesItAndIsAcceptedOnlyOnceItCanBe() {
        var cloud = peer.cloud(List.of(new Region("us-east-1", List.of("us-east-1a")), new Region("eu-west-1", List.of("eu-west-1a"))));
        try (cloud) {
            ec2.stubFor(withForm(action("DescribeVpcPeeringConnections"), BY_TOKEN).willReturn(xml("describe-vpc-peering-connections-empty.xml")));
            ec2.stubFor(withForm(action("CreateVpcPeeringConnection"), Map.of("VpcId", "vpc-1a2b3c4d", "PeerVpcId", "vpc-9c8d7e6f",
                    "PeerRegion", "eu-west-1")).willReturn(xml("create-vpc-peering-connection-inter-region.xml")));
            var spec = new PeeringSpec(new PeeringSpec.NetworkSide("us-east-1", "vpc-1a2b3c4d", "10.0.0.0/16"),
                    new PeeringSpec.NetworkSide("eu-west-1", "vpc-9c8d7e6f", "10.2.0.0/16"), Map.of());

            assertThat(cloud.require(NetworkPeerings.class).acrossRegions()).isTrue();
            assertThatThrownBy(() -> cloud.require(NetworkPeerings.class).createPeering(spec, TOKEN))
                    .isInstanceOfSatisfying(ProviderUnavailable.class, e -> assertThat(e.retryable()).isTrue())
                    .hasMessageContaining("pcx-82b6502b").hasMessageContaining("initiating-request");
            assertThat(peer.count("AcceptVpcPeeringConnection")).isZero();
            assertThat(peer.count("CreateRoute")).isZero();
        }
    }

    @Test
    void aDeleteRemovesTheRoutesThroughThePeeringThenThePeering() {
        ec2.stubFor(withForm(action("DescribeVpcPeeringConnections"), Map.of("VpcPeeringConnectionId.1", "pcx-73a5401a"))
                .willReturn(xml("describe-vpc-peering-connections-active.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-route-tables-requester-peered.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-5e6f7a8b"))
                .willReturn(xml("describe-route-tables-accepter-peered.xml")));
        ec2.stubFor(withForm(action("DeleteRoute"), Map.of("RouteTableId", "rtb-22574640", "DestinationCidrBlock", "10.1.0.0/16"))
                .willReturn(xml("delete-route.xml")));
        ec2.stubFor(withForm(action("DeleteRoute"), Map.of("RouteTableId", "rtb-33685751", "DestinationCidrBlock", "10.0.0.0/16"))
                .willReturn(xml("delete-route.xml")));
        ec2.stubFor(withForm(action("DeleteVpcPeeringConnection"), Map.of("VpcPeeringConnectionId", "pcx-73a5401a"))
                .willReturn(xml("delete-vpc-peering-connection.xml")));

        var handle = cloud.require(NetworkPeerings.class).deletePeering("pcx-73a5401a", IdempotencyToken.of("skydeck-lnkdel-1"));

        assertThat(peer.count("DeleteRoute")).isEqualTo(2);
        assertThat(peer.count("DeleteVpcPeeringConnection")).isEqualTo(1);
        assertThat(handle.kind()).isEqualTo(OperationKind.DELETE);
        ec2.stubFor(withForm(action("DescribeVpcPeeringConnections"), Map.of("VpcPeeringConnectionId.1", "pcx-73a5401a"))
                .willReturn(xml("describe-vpc-peering-connections-deleted.xml")));
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
        // Deleted is gone: a second delete finds nothing to delete.
        assertThatThrownBy(() -> cloud.require(NetworkPeerings.class).deletePeering("pcx-73a5401a", IdempotencyToken.of("skydeck-lnkdel-1")))
                .isInstanceOf(ResourceNotFound.class);
    }
}
