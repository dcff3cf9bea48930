package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.VpnSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.error;
import static io.skydeck.connectors.aws.Ec2Peer.sent;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The AWS side of a VPN: virtual private gateway made and attached, a customer gateway for the
 * other side's address, the connection with the pre-shared key on both tunnels and static routes
 * only, its route to the other range and the VPC's route there. Every stub names the parameters
 * EC2 must get; the connection's request is held in a golden file (its key is a test value).
 */
class AwsVpnsTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final IdempotencyToken TOKEN = IdempotencyToken.of("skydeck-lnk-1-a");
    private static final Map<String, String> BY_TOKEN = Map.of("Filter.1.Name", "tag:skydeck:token", "Filter.1.Value.1", TOKEN.value());
    private static final String KEY = "TestKeyOnlyNotASecret0123456789abcdefghij";
    private static final VpnSpec SIDE = new VpnSpec("us-east-1", "vpc-1a2b3c4d", "10.0.0.0/16", "198.51.100.7", "10.31.0.0/16", KEY,
            Map.of("skydeck-link", "l-1"));

    private static final Map<String, String> ON_GATEWAY = Map.of("Filter.1.Name", "vpn-gateway-id", "Filter.1.Value.1", "vgw-8db04f81");

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private final AwsCloud cloud = peer.cloud();

    @AfterEach
    void close() {
        cloud.close();
    }

    @Test
    void aVpnSideIsAGatewayACustomerGatewayForThePeerAndAStaticConnectionWithTheKeyOnBothTunnels() {
        ec2.stubFor(withForm(action("DescribeVpnConnections"), BY_TOKEN).willReturn(xml("describe-vpn-connections-empty.xml")));
        ec2.stubFor(withForm(action("DescribeVpnGateways"), Map.of("Filter.1.Name", "attachment.vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-vpn-gateways-empty.xml")));
        ec2.stubFor(withForm(action("DescribeVpnGateways"), BY_TOKEN).willReturn(xml("describe-vpn-gateways-empty.xml")));
        ec2.stubFor(withForm(action("CreateVpnGateway"), Map.of("Type", "ipsec.1", "TagSpecification.1.ResourceType", "vpn-gateway",
                "TagSpecification.1.Tag.3.Key", "skydeck:token", "TagSpecification.1.Tag.3.Value", TOKEN.value()))
                .willReturn(xml("create-vpn-gateway.xml")));
        ec2.stubFor(withForm(action("AttachVpnGateway"), Map.of("VpcId", "vpc-1a2b3c4d", "VpnGatewayId", "vgw-8db04f81"))
                .willReturn(xml("attach-vpn-gateway.xml")));
        ec2.stubFor(withForm(action("DescribeCustomerGateways"), BY_TOKEN).willReturn(xml("describe-customer-gateways-empty.xml")));
        ec2.stubFor(withForm(action("CreateCustomerGateway"), Map.of("Type", "ipsec.1", "BgpAsn", "65000", "IpAddress", "198.51.100.7",
                "TagSpecification.1.ResourceType", "customer-gateway")).willReturn(xml("create-customer-gateway.xml")));
        ec2.stubFor(withForm(action("CreateVpnConnection"), Map.of("Type", "ipsec.1", "CustomerGatewayId", "cgw-b4dc3961",
                "VpnGatewayId", "vgw-8db04f81", "Options.StaticRoutesOnly", "true",
                "Options.TunnelOptions.1.PreSharedKey", KEY, "Options.TunnelOptions.2.PreSharedKey", KEY))
                .willReturn(xml("create-vpn-connection.xml")));
        ec2.stubFor(withForm(action("CreateVpnConnectionRoute"), Map.of("VpnConnectionId", "vpn-44a8938f", "DestinationCidrBlock", "10.31.0.0/16"))
                .willReturn(xml("create-vpn-connection-route.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-route-tables-requester.xml")));
        ec2.stubFor(withForm(action("CreateRoute"), Map.of("RouteTableId", "rtb-22574640", "DestinationCidrBlock", "10.31.0.0/16",
                "GatewayId", "vgw-8db04f81")).willReturn(xml("create-route.xml")));

        var vpns = cloud.require(VpnConnections.class);
        var handle = vpns.createVpnConnection(SIDE, TOKEN);

        assertThat(vpns.endpointKnownFirst()).as("AWS picks the tunnel address with the connection").isFalse();
        assertThat(vpns.endpointAddress("us-east-1", "vpc-1a2b3c4d")).isEmpty();
        assertThat(handle.resource().type()).isEqualTo(ResourceType.VPN_CONNECTION);
        assertThat(handle.resource().id()).isEqualTo("vpn-44a8938f");
        assertThat(handle.kind()).isEqualTo(OperationKind.CREATE);
        for (String once : new String[] {"CreateVpnGateway", "AttachVpnGateway", "CreateCustomerGateway", "CreateVpnConnection",
                "CreateVpnConnectionRoute", "CreateRoute"}) {
            assertThat(peer.count(once)).as(once).isEqualTo(1);
        }
        Golden.assertForm("ec2/create-vpn-connection.form", ec2.findAll(sent("CreateVpnConnection")).get(0).getBodyAsString());

        ec2.stubFor(withForm(action("DescribeVpnConnections"), Map.of("VpnConnectionId.1", "vpn-44a8938f"))
                .willReturn(xml("describe-vpn-connections-available.xml")));
        ec2.stubFor(withForm(action("DescribeCustomerGateways"), Map.of("CustomerGatewayId.1", "cgw-b4dc3961"))
                .willReturn(xml("describe-customer-gateways.xml")));
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
        var made = vpns.getVpnConnection("vpn-44a8938f").orElseThrow();
        assertThat(made.localAddress()).contains("203.0.113.17");
        assertThat(made.peerAddress()).isEqualTo("198.51.100.7");
        assertThat(made.peerCidr()).isEqualTo("10.31.0.0/16");
        assertThat(made.networkId()).isEqualTo("vpc-1a2b3c4d");
        assertThat(made.token()).contains(TOKEN);
        assertThat(made.tags()).isEqualTo(Map.of("skydeck-link", "l-1"));
        assertThat(made.toString()).doesNotContain(KEY);
    }

    @Test
    void aRepeatFindsTheTaggedConnectionAndMakesNoSecondGateway() {
        ec2.stubFor(withForm(action("DescribeVpnConnections"), BY_TOKEN).willReturn(xml("describe-vpn-connections-available.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-route-tables-requester-vpn.xml")));

        var handle = cloud.require(VpnConnections.class).createVpnConnection(SIDE, TOKEN);

        assertThat(handle.resource().id()).isEqualTo("vpn-44a8938f");
        for (String never : new String[] {"CreateVpnGateway", "AttachVpnGateway", "CreateCustomerGateway", "CreateVpnConnection",
                "CreateVpnConnectionRoute", "CreateRoute"}) {
            assertThat(peer.count(never)).as(never).isZero();
        }
    }

    @Test
    void aDeleteRemovesTheVpcRouteTheConnectionAndItsCustomerGatewayWhenEc2LetsIt() {
        stubTheConnectionsDelete();
        ec2.stubFor(withForm(action("DeleteCustomerGateway"), Map.of("CustomerGatewayId", "cgw-b4dc3961"))
                .willReturn(error(400, "IncorrectState", "The customer gateway is in use.")));
        // The gateway's connections: only the one going, so the gateway is let go.
        ec2.stubFor(withForm(action("DescribeVpnConnections"), ON_GATEWAY).willReturn(xml("describe-vpn-connections-available.xml")));
        ec2.stubFor(withForm(action("DetachVpnGateway"), Map.of("VpcId", "vpc-1a2b3c4d", "VpnGatewayId", "vgw-8db04f81"))
                .willReturn(xml("detach-vpn-gateway.xml")));
        ec2.stubFor(withForm(action("DeleteVpnGateway"), Map.of("VpnGatewayId", "vgw-8db04f81"))
                .willReturn(error(400, "IncorrectState", "The virtual private gateway 'vgw-8db04f81' has non-deleted VPN connections.")));

        var handle = cloud.require(VpnConnections.class).deleteVpnConnection("vpn-44a8938f", IdempotencyToken.of("skydeck-lnkdel-1-a"));

        assertThat(handle.kind()).isEqualTo(OperationKind.DELETE);
        assertThat(peer.count("DeleteRoute")).isEqualTo(1);
        assertThat(peer.count("DeleteVpnConnection")).isEqualTo(1);
        assertThat(peer.count("DeleteCustomerGateway")).isEqualTo(1);
        assertThat(peer.count("DetachVpnGateway")).as("AWS refuses to delete a VPC with a gateway attached").isEqualTo(1);
        assertThat(peer.count("DeleteVpnGateway")).as("tried; EC2 keeps it while the connection deletes").isEqualTo(1);
        ec2.stubFor(withForm(action("DescribeVpnConnections"), Map.of("VpnConnectionId.1", "vpn-44a8938f"))
                .willReturn(xml("describe-vpn-connections-deleted.xml")));
        assertThat(cloud.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
    }

    @Test
    void aGatewayAnotherConnectionStillUsesStaysAttached() {
        stubTheConnectionsDelete();
        ec2.stubFor(withForm(action("DeleteCustomerGateway"), Map.of("CustomerGatewayId", "cgw-b4dc3961"))
                .willReturn(xml("delete-customer-gateway.xml")));
        ec2.stubFor(withForm(action("DescribeVpnConnections"), ON_GATEWAY).willReturn(xml("describe-vpn-connections-two-on-gateway.xml")));

        cloud.require(VpnConnections.class).deleteVpnConnection("vpn-44a8938f", IdempotencyToken.of("skydeck-lnkdel-2-a"));

        assertThat(peer.count("DeleteVpnConnection")).isEqualTo(1);
        assertThat(peer.count("DetachVpnGateway")).as("vpn-5e2c7a10 still runs over the gateway").isZero();
        assertThat(peer.count("DeleteVpnGateway")).isZero();
    }

    /** What deleting vpn-44a8938f reads and calls before its gateways: the connection, the VPC's route to it, the connection. */
    private static void stubTheConnectionsDelete() {
        ec2.stubFor(withForm(action("DescribeVpnConnections"), Map.of("VpnConnectionId.1", "vpn-44a8938f"))
                .willReturn(xml("describe-vpn-connections-available.xml")));
        ec2.stubFor(withForm(action("DescribeRouteTables"), Map.of("Filter.1.Name", "vpc-id", "Filter.1.Value.1", "vpc-1a2b3c4d"))
                .willReturn(xml("describe-route-tables-requester-vpn.xml")));
        ec2.stubFor(withForm(action("DeleteRoute"), Map.of("RouteTableId", "rtb-22574640", "DestinationCidrBlock", "10.31.0.0/16"))
                .willReturn(xml("delete-route.xml")));
        ec2.stubFor(withForm(action("DeleteVpnConnection"), Map.of("VpnConnectionId", "vpn-44a8938f"))
                .willReturn(xml("delete-vpn-connection.xml")));
    }
}
