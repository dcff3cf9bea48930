package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.Flavor;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.Resources;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;

class AwsInventoryTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private final AwsCloud cloud = peer.cloud(List.of(new Region("us-east-1", List.of())));

    @AfterEach
    void close() {
        cloud.close();
    }

    @Test
    void flavorsAreEveryInstanceTypeAcrossPagesAndThereAreNoHosts() {
        ec2.stubFor(action("DescribeInstanceTypes").withFormParam("NextToken", absent())
                .willReturn(xml("describe-instance-types-page1.xml")));
        ec2.stubFor(action("DescribeInstanceTypes").withFormParam("NextToken", equalTo("AAEAAQ-page-2"))
                .willReturn(xml("describe-instance-types-page2.xml")));
        var inventory = cloud.require(Inventory.class);

        assertThat(inventory.flavors("us-east-1")).containsExactly(
                new Flavor("g4dn.xlarge", "g4dn.xlarge", new Resources(4, 16_384, 1), 125),
                new Flavor("t3.micro", "t3.micro", new Resources(2, 1_024, 0), 0));
        assertThat(inventory.hosts("us-east-1")).isEmpty();
        assertThat(inventory.containerCapacity("us-east-1")).isEmpty();
    }

    @Test
    void aRegionConfiguredWithoutZonesGetsEc2sAvailableZonesOnce() {
        ec2.stubFor(action("DescribeAvailabilityZones").willReturn(xml("describe-availability-zones.xml")));

        assertThat(cloud.regions()).containsExactly(new Region("us-east-1", List.of("us-east-1a", "us-east-1b")));
        assertThat(cloud.regions()).hasSize(1);
        assertThat(peer.count("DescribeAvailabilityZones")).isEqualTo(1);
    }

    @Test
    void theConnectorOffersWhatEc2AndElbv2HaveAndNothingElse() {
        assertThat(cloud.capabilities()).containsExactlyInAnyOrder(CapabilityKind.SERVERS, CapabilityKind.NETWORKS, CapabilityKind.NETWORK_PEERINGS, CapabilityKind.VPN_CONNECTIONS,
                CapabilityKind.SECURITY_GROUPS, CapabilityKind.PUBLIC_IPS, CapabilityKind.INVENTORY,
                CapabilityKind.TRAFFIC_CONTROL, CapabilityKind.DEPLOYMENTS);
        assertThat(cloud.kind()).isEqualTo(io.skydeck.connectors.spi.ProviderKind.AWS);
        assertThat(Map.of("name", cloud.name())).containsEntry("name", "aws-test");
    }
}
