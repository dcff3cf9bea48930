package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
 * A server in a tenant network: RunInstances into the subnet Skydeck's IPAM chose, at the address
 * it chose, in the tenant's groups — as the EC2 API reference names the parameters (SubnetId,
 * PrivateIpAddress, SecurityGroupId.N). The exact form is golden/ec2/run-instances-in-subnet.form.
 */
class AwsServersInNetworkTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String VPC = "vpc-0a60eb65b4EXAMPLE";
    private static final String SUBNET = "subnet-0bb1c79de3EXAMPLE";
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("tenant-acme.create-web-2");
    private static final ServerSpec WEB_2 = ServerSpec.of("web-2", "us-east-1", "t3.micro", "ami-0abcdef1234567890")
            .inZone("us-east-1a").withTags(Map.of("skydeck:tenant", "acme"))
            .inNetwork(VPC, SUBNET, "10.61.1.23", List.of("sg-0598c7d356eba48d7", "sg-903004f8"));

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private AwsCloud cloud;
    private Servers servers;

    @BeforeEach
    void connect() {
        cloud = peer.cloud();
        servers = cloud.require(Servers.class);
    }

    @AfterEach
    void close() {
        cloud.close();
    }

    private static Map<String, String> runInSubnetForm() {
        return Map.of("ClientToken", TOKEN.value(), "ImageId", "ami-0abcdef1234567890", "InstanceType", "t3.micro",
                "MinCount", "1", "MaxCount", "1", "Placement.AvailabilityZone", "us-east-1a",
                "SubnetId", SUBNET, "PrivateIpAddress", "10.61.1.23",
                "SecurityGroupId.1", "sg-0598c7d356eba48d7", "SecurityGroupId.2", "sg-903004f8");
    }

    @Test
    void aServerInANetworkIsLaunchedIntoTheIpamsSubnetAtItsAddressInTheTenantsGroups() {
        ec2.stubFor(withForm(action("RunInstances"), runInSubnetForm()).willReturn(xml("run-instances-in-subnet.xml")));

        var handle = servers.create(WEB_2, TOKEN);

        assertThat(handle.resource().id()).isEqualTo("i-0598c7d356eba48d7");
        var sentForms = ec2.findAll(sent("RunInstances"));
        assertThat(sentForms).hasSize(1);
        Golden.assertForm("ec2/run-instances-in-subnet.form", sentForms.get(0).getBodyAsString());
        // The subnet is the IPAM's, not one looked up in the VPC, and no NetworkInterface block competes with it.
        assertThat(peer.count("DescribeSubnets")).isZero();
        assertThat(sentForms.get(0).getBodyAsString()).doesNotContain("NetworkInterface");
    }

    @Test
    void aRetryAfterACrashSendsTheSameClientTokenSoEc2ReturnsTheFirstInstanceAndItsAddress() {
        ec2.stubFor(withForm(action("RunInstances"), runInSubnetForm()).willReturn(xml("run-instances-in-subnet.xml")));

        var first = servers.create(WEB_2, TOKEN);
        var retried = servers.create(WEB_2, TOKEN);

        assertThat(retried).isEqualTo(first);
        assertThat(ec2.findAll(sent("RunInstances"))).extracting(request -> request.formParameter("ClientToken").firstValue())
                .containsExactly(TOKEN.value(), TOKEN.value());
    }

    @Test
    void anAddressAnotherInterfaceHoldsIsRejectedWithEc2sCode() {
        ec2.stubFor(withForm(action("RunInstances"), runInSubnetForm()).willReturn(error(400, "InvalidIPAddress.InUse",
                "Address 10.61.1.23 is in use.")));

        assertThatThrownBy(() -> servers.create(WEB_2, TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("InvalidIPAddress.InUse");
                    assertThat(rejected.providerMessage()).contains("10.61.1.23");
                    assertThat(rejected.retryable()).isFalse();
                });
    }
}
