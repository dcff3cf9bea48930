package io.skydeck.providers.e2e;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.restassured.response.Response;
import io.skydeck.support.Tokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.skydeck.providers.e2e.Ec2Stub.action;
import static io.skydeck.providers.e2e.Ec2Stub.error;
import static io.skydeck.providers.e2e.Ec2Stub.server;
import static io.skydeck.providers.e2e.Ec2Stub.xml;
import static io.skydeck.providers.e2e.Ec2Stub.xmlBody;
import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static io.skydeck.support.Operations.awaitFinished;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

/** Skydeck with one AWS account (EC2 played by WireMock) and no sandbox: servers go to EC2. */
@QuarkusTest
@TestProfile(AwsEndToEndTest.AwsOnly.class)
class AwsEndToEndTest {

    public static class AwsOnly implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("skydeck.sandbox.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(Ec2Stub.class));
        }
    }

    private static final String INSTANCE = "i-0598c7d356eba48d7";
    private static final String AMI = "ami-0abcdef1234567890";

    private static final String VPC = "vpc-1a2b3c4d";
    private static final Map<String, String> SUBNETS = Map.of("us-east-1a", "subnet-0a1a2b3c4d5e6f7a8", "us-east-1b",
            "subnet-0b1a2b3c4d5e6f7a8");
    private static final Map<String, String> SUBNET_CIDRS = Map.of("us-east-1a", "10.0.0.0/17", "us-east-1b", "10.0.128.0/17");

    String token;
    UUID project;

    @BeforeEach
    void aTenant() {
        UUID tenant = createTenant(uniqueName("aws"), quota(32, 128, 10, 0, 0));
        project = createProject(tenant, "apps");
        token = Tokens.tenant(tenant);
    }

    /**
     * A server without a network goes into the tenant's default VPC (AWS is listed in
     * skydeck.network.default-vpc.providers by default): each tenant's first server makes one.
     * CreateVpc and CreateSubnet take no client token, so the connector first looks for its token tag.
     */
    @BeforeEach
    void theDefaultVpcCanBeMade() {
        server.stubFor(action("DescribeVpcs").atPriority(5).willReturn(xml("describe-vpcs-empty.xml")));
        server.stubFor(action("DescribeVpcs").atPriority(1).withFormParam("VpcId.1", WireMock.equalTo(VPC))
                .willReturn(xml("describe-vpcs-tagged.xml")));
        server.stubFor(action("CreateVpc").withFormParam("CidrBlock", WireMock.equalTo("10.0.0.0/16")).willReturn(xml("create-vpc.xml")));
        server.stubFor(action("DescribeSubnets").atPriority(5).willReturn(xml("describe-subnets-empty.xml")));
        SUBNETS.forEach((zone, subnet) -> {
            server.stubFor(action("CreateSubnet").withFormParam("VpcId", WireMock.equalTo(VPC))
                    .withFormParam("AvailabilityZone", WireMock.equalTo(zone))
                    .withFormParam("CidrBlock", WireMock.equalTo(SUBNET_CIDRS.get(zone)))
                    .willReturn(xmlBody(Ec2Stub.fixture("create-subnet.xml").replace("subnet-9d4a7b6c", subnet)
                            .replace("us-east-1b", zone).replace("10.0.1.0/24", SUBNET_CIDRS.get(zone)))));
            server.stubFor(action("DescribeSubnets").atPriority(1).withFormParam("SubnetId.1", WireMock.equalTo(subnet))
                    .willReturn(xmlBody(Ec2Stub.fixture("describe-subnets-available.xml").replace("SUBNET_ID", subnet)
                            .replace("SUBNET_ZONE", zone).replace("SUBNET_CIDR", SUBNET_CIDRS.get(zone)))));
        });
    }

    @Test
    void aServerIsRunOnEc2WithItsClientTokenAndTerminatedOnDelete() {
        server.stubFor(action("DescribeInstances").withFormParam("InstanceId.1", WireMock.equalTo(INSTANCE)).inScenario("life")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(xml("describe-instances-running.xml")));
        server.stubFor(action("DescribeInstances").withFormParam("InstanceId.1", WireMock.equalTo(INSTANCE)).inScenario("life")
                .whenScenarioStateIs("terminated").willReturn(xml("describe-instances-terminated.xml")));
        server.stubFor(action("RunInstances").withFormParam("TagSpecification.1.Tag.1.Value", WireMock.equalTo("web-1"))
                .willReturn(xml("run-instances.xml")));
        server.stubFor(action("TerminateInstances").withFormParam("InstanceId.1", WireMock.equalTo(INSTANCE)).inScenario("life")
                .willSetStateTo("terminated").willReturn(xml("terminate-instances.xml")));

        Response accepted = as(token).body(server("web-1")).post("/v1/servers").then().statusCode(202)
                .body("resource.placement.provider", equalTo("aws-test"))
                .body("resource.placement.region", equalTo("us-east-1"))
                .body("resource.placement.host", startsWith("virtual:us-east-1"))
                .extract().response();
        String id = accepted.path("resource.id");
        String zone = accepted.path("resource.placement.zone");
        assertThat(awaitFinished(token, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        String address = as(token).get("/v1/servers/" + id).then().statusCode(200)
                .body("status", equalTo("ACTIVE"))
                .body("providerServerId", equalTo(INSTANCE))
                .body("hourlyPrice", equalTo(0.0104f))
                .extract().path("network.privateAddress");
        as(token).get("/v1/networks").then().statusCode(200)
                .body("items.size()", equalTo(1))
                .body("items[0].default", equalTo(true))
                .body("items[0].provider", equalTo("aws-test"))
                .body("items[0].providerNetworkId", equalTo(VPC))
                .body("items[0].subnets.providerSubnetId", org.hamcrest.Matchers.containsInAnyOrder(SUBNETS.values().toArray()));
        server.verify(postRequestedFor(urlPathEqualTo("/")).withFormParam("Action", WireMock.equalTo("CreateVpc"))
                .withFormParam("TagSpecification.1.ResourceType", WireMock.equalTo("vpc")));
        server.verify(1, sent("RunInstances").withFormParam("ClientToken", WireMock.equalTo("skydeck-" + id))
                .withFormParam("SubnetId", WireMock.equalTo(SUBNETS.get(zone)))
                .withFormParam("PrivateIpAddress", WireMock.equalTo(address)));
        server.verify(1, sent("RunInstances")
                .withHeader("Authorization", matching(Ec2Stub.SIGNED))
                .withFormParam("ClientToken", WireMock.equalTo("skydeck-" + id))
                .withFormParam("ImageId", WireMock.equalTo(AMI))
                .withFormParam("InstanceType", WireMock.equalTo("t3.micro"))
                .withFormParam("MinCount", WireMock.equalTo("1"))
                .withFormParam("MaxCount", WireMock.equalTo("1"))
                .withFormParam("Placement.AvailabilityZone", WireMock.equalTo(zone))
                .withFormParam("TagSpecification.1.ResourceType", WireMock.equalTo("instance"))
                .withFormParam("TagSpecification.1.Tag.1.Key", WireMock.equalTo("Name")));
        assertThat(server.findAll(sent("DescribeInstances").withFormParam("InstanceId.1", WireMock.equalTo(INSTANCE)))).isNotEmpty();

        Response deleting = as(token).delete("/v1/servers/" + id).then().statusCode(202).extract().response();
        assertThat(awaitFinished(token, deleting.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");

        as(token).get("/v1/servers/" + id).then().body("status", equalTo("DELETED"));
        server.verify(1, sent("TerminateInstances").withHeader("Authorization", matching(Ec2Stub.SIGNED))
                .withFormParam("InstanceId.1", WireMock.equalTo(INSTANCE)));
    }

    @Test
    void a503WithRetryAfterIsRetriedWithTheSameClientTokenNoSoonerThanAsked() {
        String instance = "i-0e2e000000000retry";
        server.stubFor(action("RunInstances").withFormParam("TagSpecification.1.Tag.1.Value", WireMock.equalTo("retry-me"))
                .inScenario("503").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("up")
                .willReturn(error(503, "Unavailable", "The server is overloaded and can't handle the request.")
                        .withHeader("Retry-After", "2")));
        server.stubFor(action("RunInstances").withFormParam("TagSpecification.1.Tag.1.Value", WireMock.equalTo("retry-me"))
                .inScenario("503").whenScenarioStateIs("up")
                .willReturn(xmlBody(Ec2Stub.fixture("run-instances.xml").replace(INSTANCE, instance))));
        server.stubFor(action("DescribeInstances").withFormParam("InstanceId.1", WireMock.equalTo(instance))
                .willReturn(xmlBody(Ec2Stub.fixture("describe-instances-running.xml").replace(INSTANCE, instance))));

        Response accepted = as(token).body(server("retry-me")).post("/v1/servers").then().statusCode(202).extract().response();
        Response op = awaitFinished(token, accepted.path("operation.id"));

        assertThat(op.<String>path("state")).isEqualTo("SUCCEEDED");
        List<LoggedRequest> runs = server.findAll(sent("RunInstances")
                .withFormParam("ClientToken", WireMock.equalTo("skydeck-" + accepted.path("resource.id"))));
        assertThat(runs).hasSize(2);
        // EC2 asked for 2 s; the runner's own first backoff would be at most 0.5 s.
        long waitedMillis = runs.get(1).getLoggedDate().getTime() - runs.get(0).getLoggedDate().getTime();
        assertThat(waitedMillis).isGreaterThanOrEqualTo(2_000);
    }

    @Test
    void aRejectedRunInstancesFailsTheOperationAtOnceWithEc2sMessageAndIsNotRetried() {
        server.stubFor(action("RunInstances").withFormParam("TagSpecification.1.Tag.1.Value", WireMock.equalTo("rejected"))
                .willReturn(error(400, "InvalidParameterValue", "Value (ami-0abcdef1234567890) for parameter ImageId is invalid.")));

        Response accepted = as(token).body(server("rejected")).post("/v1/servers").then().statusCode(202).extract().response();
        Response op = awaitFinished(token, accepted.path("operation.id"));

        assertThat(op.<String>path("state")).isEqualTo("FAILED");
        assertThat(op.<String>path("error.type")).isEqualTo("urn:skydeck:problem:provider-rejected");
        assertThat(op.<String>path("error.detail")).contains("for parameter ImageId is invalid", "InvalidParameterValue");
        assertThat(server.findAll(sent("RunInstances").withFormParam("TagSpecification.1.Tag.1.Value", WireMock.equalTo("rejected"))))
                .hasSize(1);
        as(token).get("/v1/servers/" + accepted.path("resource.id")).then().body("status", equalTo("FAILED"));
    }

    /**
     * A dual-stack network on AWS asks for IPv6 without a range: CreateVpc asks for an
     * Amazon-provided block, the network shows the /56 EC2 reports once it is associated, and each
     * subnet's CreateSubnet sends a /64 of it, carved in the subnets' IPv4 order.
     */
    @Test
    void aDualStackNetworkGetsTheAmazonProvided56AndEachSubnetA64OfIt() {
        UUID tenant = createTenant(uniqueName("awsv6"), quota(8, 16, 2, 0, 0, 2));
        UUID netProject = createProject(tenant, "net");
        String netToken = Tokens.tenant(tenant);
        String vpc = "vpc-0d5a1c2b3e4f50617";
        server.stubFor(action("DescribeVpcs").withFormParam("Filter.1.Name", WireMock.equalTo("tag:skydeck:token"))
                .willReturn(xml("describe-vpcs-empty.xml")));
        server.stubFor(action("CreateVpc").withFormParam("CidrBlock", WireMock.equalTo("10.70.0.0/16"))
                .willReturn(xml("create-vpc-dual-stack.xml")));
        server.stubFor(action("DescribeVpcs").withFormParam("VpcId.1", WireMock.equalTo(vpc)).inScenario("dual-stack")
                .whenScenarioStateIs(Scenario.STARTED).willSetStateTo("associated").willReturn(xml("describe-vpcs-dual-stack-associating.xml")));
        server.stubFor(action("DescribeVpcs").withFormParam("VpcId.1", WireMock.equalTo(vpc)).inScenario("dual-stack")
                .whenScenarioStateIs("associated").willReturn(xml("describe-vpcs-dual-stack-associated.xml")));
        server.stubFor(action("DescribeSubnets").withFormParam("Filter.1.Name", WireMock.equalTo("tag:skydeck:token"))
                .willReturn(xml("describe-subnets-empty.xml")));
        Map<String, String[]> subnets = Map.of(
                "us-east-1a", new String[] {"subnet-0d5a00000000000a1", "10.70.0.0/17", "2600:1f18:24d:5b00::/64"},
                "us-east-1b", new String[] {"subnet-0d5a00000000000b1", "10.70.128.0/17", "2600:1f18:24d:5b01::/64"});
        subnets.forEach((zone, subnet) -> {
            server.stubFor(action("CreateSubnet").withFormParam("AvailabilityZone", WireMock.equalTo(zone))
                    .willReturn(xmlBody(subnetXml("create-subnet-dual-stack.xml", zone, subnet))));
            server.stubFor(action("DescribeSubnets").withFormParam("SubnetId.1", WireMock.equalTo(subnet[0]))
                    .willReturn(xmlBody(subnetXml("describe-subnets-dual-stack.xml", zone, subnet))));
        });

        // The range is Amazon's to choose: one the tenant gives is refused, naming the field.
        as(netToken).body(Map.of("projectId", netProject.toString(), "name", "given", "cidr", "10.71.0.0/16",
                        "ipv6Cidr", "2600:1f18:24d:5c00::/56")).post("/v1/networks").then().statusCode(400)
                .body("errors[0].field", equalTo("ipv6Cidr")).body("errors[0].message", containsString("AWS assigns"));
        assertThat(server.findAll(sent("CreateVpc").withFormParam("CidrBlock", WireMock.equalTo("10.71.0.0/16")))).isEmpty();

        Response accepted = as(netToken).body(Map.of("projectId", netProject.toString(), "name", "dual", "cidr", "10.70.0.0/16",
                "ipv6", true)).post("/v1/networks").then().statusCode(202)
                .body("resource.provider", equalTo("aws-test")).extract().response();
        String id = accepted.path("resource.id");
        assertThat(awaitFinished(netToken, accepted.path("operation.id")).<String>path("state")).isEqualTo("SUCCEEDED");
        Response available = awaitSubnetsAvailable(netToken, id);

        assertThat(available.<String>path("providerNetworkId")).isEqualTo(vpc);
        assertThat(available.<String>path("ipv6Cidr")).isEqualTo("2600:1f18:24d:5b00::/56");
        assertThat(available.<List<String>>path("subnets.zone")).containsExactly("us-east-1a", "us-east-1b");
        assertThat(available.<List<String>>path("subnets.cidr")).containsExactly("10.70.0.0/17", "10.70.128.0/17");
        assertThat(available.<List<String>>path("subnets.ipv6Cidr")).containsExactly("2600:1f18:24d:5b00::/64", "2600:1f18:24d:5b01::/64");
        server.verify(1, sent("CreateVpc").withHeader("Authorization", matching(Ec2Stub.SIGNED))
                .withFormParam("CidrBlock", WireMock.equalTo("10.70.0.0/16"))
                .withFormParam("AmazonProvidedIpv6CidrBlock", WireMock.equalTo("true")));
        subnets.forEach((zone, subnet) -> server.verify(1, sent("CreateSubnet")
                .withFormParam("VpcId", WireMock.equalTo(vpc))
                .withFormParam("AvailabilityZone", WireMock.equalTo(zone))
                .withFormParam("CidrBlock", WireMock.equalTo(subnet[1]))
                .withFormParam("Ipv6CidrBlock", WireMock.equalTo(subnet[2]))));
        assertThat(server.findAll(sent("AssociateVpcCidrBlock"))).isEmpty();
    }

    private static String subnetXml(String fixture, String zone, String[] subnet) {
        return Ec2Stub.fixture(fixture).replace("SUBNET_ID", subnet[0]).replace("IPV4_CIDR", subnet[1])
                .replace("IPV6_CIDR", subnet[2]).replace("ZONE", zone);
    }

    private static Response awaitSubnetsAvailable(String token, String networkId) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            Response network = as(token).get("/v1/networks/" + networkId).then().statusCode(200).extract().response();
            List<String> statuses = network.path("subnets.status");
            if (!statuses.isEmpty() && statuses.stream().allMatch("AVAILABLE"::equals)) {
                return network;
            }
            assertThat(System.nanoTime()).as("subnets of " + networkId + " AVAILABLE in 30 s: " + network.asString()).isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void theProviderListingShowsTheAccountWithoutItsCredentials() {
        server.stubFor(action("DescribeAvailabilityZones").willReturn(xml("describe-availability-zones.xml")));
        String body = as(Tokens.admin()).get("/v1/providers").then().statusCode(200)
                .body("items.name", equalTo(List.of("aws-test")))
                .body("items[0].kind", equalTo("aws"))
                .body("items[0].regions[0].zones", equalTo(List.of("us-east-1a", "us-east-1b")))
                .body("items[0].circuit.state", equalTo("CLOSED"))
                .body("items[0].capabilities", not(containsString("price-list")))
                .extract().asString();
        assertThat(body).doesNotContain(Ec2Stub.SECRET, Ec2Stub.ACCESS_KEY_ID, Ec2Stub.credentialsFile.toString());
    }

    private static RequestPatternBuilder sent(String action) {
        return postRequestedFor(urlPathEqualTo("/")).withFormParam("Action", WireMock.equalTo(action));
    }

    private Map<String, Object> server(String name) {
        return Map.of("projectId", project.toString(), "name", name, "flavor", "t3.micro", "image", AMI);
    }
}
