package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
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

class AwsServersTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String INSTANCE = "i-0598c7d356eba48d7";
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("tenant-acme.create-web-1");
    private static final ServerSpec WEB_1 = ServerSpec.of("web-1", "us-east-1", "t3.micro", "ami-0abcdef1234567890")
            .inZone("us-east-1a").withTags(Map.of("skydeck:tenant", "acme"));

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

    private static Map<String, String> runInstancesForm() {
        return Map.of("ClientToken", TOKEN.value(), "ImageId", "ami-0abcdef1234567890", "InstanceType", "t3.micro",
                "MinCount", "1", "MaxCount", "1", "Placement.AvailabilityZone", "us-east-1a",
                "TagSpecification.1.ResourceType", "instance",
                "TagSpecification.1.Tag.1.Key", "Name", "TagSpecification.1.Tag.1.Value", "web-1",
                "TagSpecification.1.Tag.2.Key", "skydeck:tenant");
    }

    @Test
    void createRunsOneInstanceWithTheTokenAsClientTokenAndAnswersAHandleForIt() {
        ec2.stubFor(withForm(action("RunInstances"), runInstancesForm()).willReturn(xml("run-instances.xml")));

        var handle = servers.create(WEB_1, TOKEN);

        assertThat(handle.kind()).isEqualTo(OperationKind.CREATE);
        assertThat(handle.resource().type()).isEqualTo(ResourceType.SERVER);
        assertThat(handle.resource().id()).isEqualTo(INSTANCE);
        assertThat(handle.resource().region()).isEqualTo("us-east-1");
        assertThat(handle.token()).contains(TOKEN);
        assertThat(handle.provider()).isEqualTo("aws-test");
        assertThat(handle.acceptedAt()).isEqualTo(Ec2Peer.NOW);
    }

    @Test
    void repeatingACreateSendsTheSameClientTokenAndGetsTheSameInstance() {
        ec2.stubFor(withForm(action("RunInstances"), runInstancesForm()).willReturn(xml("run-instances.xml")));

        var first = servers.create(WEB_1, TOKEN);
        var second = servers.create(WEB_1, TOKEN);

        assertThat(second).isEqualTo(first);
        assertThat(peer.count("RunInstances")).isEqualTo(2);
    }

    @Test
    void theSameTokenWithADifferentSpecIsRejectedWithEc2sOwnWords() {
        ec2.stubFor(action("RunInstances").willReturn(error(400, "IdempotentParameterMismatch",
                "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")));

        assertThatThrownBy(() -> servers.create(WEB_1, TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("IdempotentParameterMismatch");
                    assertThat(rejected.providerMessage()).startsWith("Arguments on this idempotent request are inconsistent");
                    assertThat(rejected.retryable()).isFalse();
                });
        assertThat(peer.count("RunInstances")).isEqualTo(1);
    }

    @Test
    void anUnknownImageIsNotFoundNamingTheImage() {
        ec2.stubFor(action("RunInstances").willReturn(error(400, "InvalidAMIID.NotFound",
                "The image id '[ami-0abcdef1234567890]' does not exist")));

        assertThatThrownBy(() -> servers.create(WEB_1, TOKEN))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.IMAGE);
                    assertThat(missing.id()).isEqualTo("ami-0abcdef1234567890");
                    assertThat(missing.providerCode()).contains("InvalidAMIID.NotFound");
                });
    }

    @Test
    void instanceAndVcpuLimitsAreTheAccountsQuota() {
        ec2.stubFor(action("RunInstances").willReturn(error(400, "VcpuLimitExceeded",
                "You have requested more vCPU capacity than your current vCPU limit of 32 allows")));

        assertThatThrownBy(() -> servers.create(WEB_1, TOKEN))
                .isInstanceOfSatisfying(QuotaExceeded.class, quota -> {
                    assertThat(quota.providerCode()).contains("VcpuLimitExceeded");
                    assertThat(quota.providerMessage()).contains("current vCPU limit of 32");
                });
    }

    @Test
    void findByTokenFiltersOnTheClientTokenAndMapsTheInstance() {
        ec2.stubFor(withForm(action("DescribeInstances"), Map.of(
                "Filter.1.Name", "client-token", "Filter.1.Value.1", TOKEN.value())).willReturn(xml("describe-instances-running.xml")));

        var server = servers.findByToken(TOKEN).orElseThrow();

        assertThat(server.id()).isEqualTo(INSTANCE);
        assertThat(server.name()).isEqualTo("web-1");
        assertThat(server.region()).isEqualTo("us-east-1");
        assertThat(server.zone()).isEqualTo("us-east-1a");
        assertThat(server.host()).isEmpty();
        assertThat(server.flavorId()).isEqualTo("t3.micro");
        assertThat(server.imageId()).isEqualTo("ami-0abcdef1234567890");
        assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
        assertThat(server.providerStatus()).isEqualTo("running");
        assertThat(server.token()).contains(TOKEN);
        assertThat(server.addresses()).containsExactly("10.0.0.157", "54.194.252.215");
        assertThat(server.tags()).isEqualTo(Map.of("skydeck:tenant", "acme"));
        assertThat(server.createdAt()).isEqualTo(Instant.parse("2026-04-01T09:58:20Z"));
    }

    @Test
    void pollingACreateFollowsTheInstanceFromPendingToRunning() {
        ec2.stubFor(action("RunInstances").willReturn(xml("run-instances.xml")));
        var describe = withForm(action("DescribeInstances"), Map.of("InstanceId.1", INSTANCE));
        ec2.stubFor(describe.inScenario("boot").whenScenarioStateIs(Scenario.STARTED)
                .willReturn(xml("describe-instances-pending.xml")).willSetStateTo("running"));
        ec2.stubFor(withForm(action("DescribeInstances"), Map.of("InstanceId.1", INSTANCE)).inScenario("boot")
                .whenScenarioStateIs("running").willReturn(xml("describe-instances-running.xml")));
        var handle = servers.create(WEB_1, TOKEN);

        var first = servers.poll(handle);
        var second = servers.poll(handle);

        assertThat(first).isEqualTo(new OperationStatus.InProgress(handle, "pending"));
        assertThat(second).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
    }

    @Test
    void aCreateNotYetVisibleIsInProgressRatherThanFailed() {
        ec2.stubFor(action("RunInstances").willReturn(xml("run-instances.xml")));
        ec2.stubFor(action("DescribeInstances").willReturn(error(400, "InvalidInstanceID.NotFound",
                "The instance ID '" + INSTANCE + "' does not exist")));
        var handle = servers.create(WEB_1, TOKEN);

        assertThat(servers.poll(handle)).isEqualTo(new OperationStatus.InProgress(handle, "not yet visible"));
        assertThat(servers.get(INSTANCE)).isEmpty();
    }

    @Test
    void stopStartAndDeleteSendTheirActionsForTheInstanceAndPollToTheirTargetStates() {
        var byId = Map.of("InstanceId.1", INSTANCE);
        ec2.stubFor(withForm(action("StopInstances"), byId).willReturn(xml("stop-instances.xml")));
        ec2.stubFor(withForm(action("StartInstances"), byId).willReturn(xml("start-instances.xml")));
        ec2.stubFor(withForm(action("TerminateInstances"), byId).willReturn(xml("terminate-instances.xml")));
        ec2.stubFor(withForm(action("DescribeInstances"), byId).willReturn(xml("describe-instances-stopped.xml")));

        var stop = servers.stop(INSTANCE);
        var start = servers.start(INSTANCE);
        var delete = servers.delete(INSTANCE, IdempotencyToken.of("delete-web-1"));

        assertThat(List.of(stop.kind(), start.kind(), delete.kind()))
                .containsExactly(OperationKind.STOP, OperationKind.START, OperationKind.DELETE);
        assertThat(servers.poll(stop)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(servers.poll(start)).isEqualTo(new OperationStatus.InProgress(start, "stopped"));
        assertThat(servers.poll(delete)).isEqualTo(new OperationStatus.InProgress(delete, "stopped"));

        ec2.stubFor(withForm(action("DescribeInstances"), byId).willReturn(xml("describe-instances-terminated.xml")));
        assertThat(servers.poll(delete)).isEqualTo(new OperationStatus.Succeeded(delete, Ec2Peer.NOW));
    }

    @Test
    void resizingAStoppedInstanceModifiesItsInstanceType() {
        var byId = Map.of("InstanceId.1", INSTANCE);
        ec2.stubFor(withForm(action("DescribeInstances"), byId).willReturn(xml("describe-instances-stopped.xml")));
        ec2.stubFor(withForm(action("ModifyInstanceAttribute"), Map.of("InstanceId", INSTANCE, "InstanceType.Value", "m5.large"))
                .willReturn(xml("modify-instance-attribute.xml")));

        var handle = servers.resize(INSTANCE, "m5.large");
        assertThat(servers.poll(handle)).isEqualTo(new OperationStatus.InProgress(handle, "modifying instance type"));

        ec2.stubFor(withForm(action("DescribeInstances"), byId).willReturn(xml("describe-instances-stopped-resized.xml")));
        assertThat(handle.kind()).isEqualTo(OperationKind.RESIZE);
        assertThat(servers.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, Ec2Peer.NOW));
        assertThat(peer.count("ModifyInstanceAttribute")).isEqualTo(1);
    }

    @Test
    void resizingARunningInstanceIsRejectedWithoutTouchingIt() {
        ec2.stubFor(action("DescribeInstances").willReturn(xml("describe-instances-running.xml")));

        assertThatThrownBy(() -> servers.resize(INSTANCE, "m5.large"))
                .isInstanceOfSatisfying(RequestRejected.class, rejected ->
                        assertThat(rejected.providerCode()).contains("IncorrectInstanceState"));
        assertThat(peer.count("ModifyInstanceAttribute")).isZero();
    }

    @Test
    void resizingToTheCurrentTypeDoesNothingAndSucceeds() {
        ec2.stubFor(action("DescribeInstances").willReturn(xml("describe-instances-running.xml")));

        var handle = servers.resize(INSTANCE, "t3.micro");

        assertThat(servers.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(peer.count("ModifyInstanceAttribute")).isZero();
    }

    @Test
    void deletingAnInstanceNoRegionKnowsIsNotFound() {
        ec2.stubFor(action("TerminateInstances").willReturn(error(400, "InvalidInstanceID.NotFound",
                "The instance ID 'i-0000000000000dead' does not exist")));

        assertThatThrownBy(() -> servers.delete("i-0000000000000dead", TOKEN))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.SERVER);
                    assertThat(missing.id()).isEqualTo("i-0000000000000dead");
                });
    }

    @Test
    void withTwoRegionsAnInstanceIsLookedUpWhereItLives() {
        cloud.close();
        cloud = peer.cloud(List.of(new io.skydeck.connectors.spi.Region("us-east-1", List.of("us-east-1a")),
                new io.skydeck.connectors.spi.Region("eu-west-1", List.of("eu-west-1a"))));
        ec2.stubFor(action("DescribeInstances", "us-east-1").willReturn(xml("describe-instances-empty.xml")));
        ec2.stubFor(action("DescribeInstances", "eu-west-1").willReturn(xml("describe-instances-running.xml")));

        Optional<io.skydeck.connectors.spi.ProviderServer> server = cloud.require(Servers.class).get(INSTANCE);

        assertThat(server).get().extracting(io.skydeck.connectors.spi.ProviderServer::region).isEqualTo("eu-west-1");
    }
}
