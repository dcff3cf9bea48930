package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.error;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Root volume replacement from an AMI and EC2 status checks, against the API reference's XML. */
class AwsDeploymentsTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String INSTANCE = "i-0598c7d356eba48d7";
    private static final String IMAGE = "ami-0fedcba9876543210";
    private static final String TASK = "replacevol-0111122223333abcd";
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("release-42.web-1.v7");
    private static final InstallSpec V7 = new InstallSpec("us-east-1", INSTANCE, IMAGE, Optional.empty(), Optional.empty());

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private AwsCloud cloud;
    private Deployments deployments;

    @BeforeEach
    void connect() {
        cloud = peer.cloud();
        deployments = cloud.require(Deployments.class);
    }

    @AfterEach
    void close() {
        cloud.close();
    }

    private static Map<String, String> replaceForm() {
        return Map.of("InstanceId", INSTANCE, "ImageId", IMAGE, "ClientToken", TOKEN.value(),
                "DeleteReplacedRootVolume", "true");
    }

    private OperationHandle handle(Instant acceptedAt) {
        return new OperationHandle("aws-test", "UPDATE:" + INSTANCE + ":" + TASK, OperationKind.UPDATE,
                new ResourceRef(ResourceType.SERVER, INSTANCE, "us-east-1"), Optional.of(TOKEN), acceptedAt);
    }

    private void taskIs(String fixture) {
        ec2.stubFor(withForm(action("DescribeReplaceRootVolumeTasks"), Map.of("ReplaceRootVolumeTaskId.1", TASK))
                .willReturn(xml(fixture)));
    }

    @Test
    void installReplacesTheRootVolumeFromTheVersionsImageWithTheTokenAsClientToken() {
        ec2.stubFor(withForm(action("CreateReplaceRootVolumeTask"), replaceForm()).willReturn(xml("create-replace-root-volume-task.xml")));

        var handle = deployments.install(V7, TOKEN);

        assertThat(handle.kind()).isEqualTo(OperationKind.UPDATE);
        assertThat(handle.resource()).isEqualTo(new ResourceRef(ResourceType.SERVER, INSTANCE, "us-east-1"));
        assertThat(handle.operationId()).isEqualTo("UPDATE:" + INSTANCE + ":" + TASK);
        assertThat(handle.token()).contains(TOKEN);
        assertThat(handle.acceptedAt()).isEqualTo(Ec2Peer.NOW);
    }

    @Test
    void repeatingAnInstallSendsTheSameClientTokenAndGetsTheSameTask() {
        ec2.stubFor(withForm(action("CreateReplaceRootVolumeTask"), replaceForm()).willReturn(xml("create-replace-root-volume-task.xml")));

        var first = deployments.install(V7, TOKEN);
        var second = deployments.install(V7, TOKEN);

        assertThat(second).isEqualTo(first);
        assertThat(ec2.findAll(Ec2Peer.sent("CreateReplaceRootVolumeTask")))
                .extracting(request -> request.formParameters().get("ClientToken").firstValue())
                .containsExactly(TOKEN.value(), TOKEN.value());
    }

    @Test
    void theSameTokenForAnotherImageIsRejectedWithEc2sOwnWords() {
        ec2.stubFor(action("CreateReplaceRootVolumeTask").willReturn(error(400, "IdempotentParameterMismatch",
                "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")));

        assertThatThrownBy(() -> deployments.install(V7, TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected ->
                        assertThat(rejected.providerCode()).contains("IdempotentParameterMismatch"));
        assertThat(peer.count("CreateReplaceRootVolumeTask")).isEqualTo(1);
    }

    @Test
    void anImageEc2DoesNotHaveIsAVersionItCannotInstall() {
        ec2.stubFor(action("CreateReplaceRootVolumeTask").willReturn(error(400, "InvalidAMIID.NotFound",
                "The image id '[ami-0fedcba9876543210]' does not exist")));

        assertThatThrownBy(() -> deployments.install(V7, TOKEN))
                .isInstanceOfSatisfying(RequestRejected.class, rejected -> {
                    assertThat(rejected.providerCode()).contains("InvalidAMIID.NotFound");
                    assertThat(rejected.providerMessage()).contains(IMAGE);
                });
    }

    @Test
    void anUnknownInstanceIsNotFound() {
        ec2.stubFor(action("CreateReplaceRootVolumeTask").willReturn(error(400, "InvalidInstanceID.NotFound",
                "The instance ID 'i-0598c7d356eba48d7' does not exist")));

        assertThatThrownBy(() -> deployments.install(V7, TOKEN))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.SERVER);
                    assertThat(missing.id()).isEqualTo(INSTANCE);
                });
    }

    @Test
    void aStoppedInstanceIsRejectedNotRetried() {
        ec2.stubFor(action("CreateReplaceRootVolumeTask").willReturn(error(400, "IncorrectInstanceState",
                "The instance 'i-0598c7d356eba48d7' is not in a state from which it can be modified.")));

        assertThatThrownBy(() -> deployments.install(V7, TOKEN)).isInstanceOf(RequestRejected.class);
        assertThat(peer.count("CreateReplaceRootVolumeTask")).isEqualTo(1);
    }

    @Test
    void throttlingOfAnInstallIsRetriedAndTheRepeatCarriesTheSameToken() {
        ec2.stubFor(action("CreateReplaceRootVolumeTask").inScenario("t").whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willSetStateTo("calm").willReturn(error(503, "RequestLimitExceeded", "Request limit exceeded.")));
        ec2.stubFor(withForm(action("CreateReplaceRootVolumeTask"), replaceForm()).inScenario("t").whenScenarioStateIs("calm")
                .willReturn(xml("create-replace-root-volume-task.xml")));

        assertThat(deployments.install(V7, TOKEN).operationId()).endsWith(TASK);
        assertThat(peer.count("CreateReplaceRootVolumeTask")).isEqualTo(2);
    }

    @Test
    void aTaskInProgressIsInProgressWithEc2sWord() {
        taskIs("describe-replace-root-volume-tasks-in-progress.xml");

        var status = deployments.poll(handle(Ec2Peer.NOW));

        assertThat(status).isInstanceOfSatisfying(OperationStatus.InProgress.class,
                running -> assertThat(running.detail()).isEqualTo("in-progress"));
    }

    @Test
    void aSucceededTaskIsDoneWhenEc2SaysItCompleted() {
        taskIs("describe-replace-root-volume-tasks-succeeded.xml");

        var status = deployments.poll(handle(Ec2Peer.NOW));

        assertThat(status).isInstanceOfSatisfying(OperationStatus.Succeeded.class,
                done -> assertThat(done.finishedAt()).isEqualTo(Instant.parse("2026-04-01T10:04:12Z")));
    }

    @Test
    void aFailedTaskFailsSayingTheOriginalVolumeIsStillAttached() {
        taskIs("describe-replace-root-volume-tasks-failed.xml");

        var status = deployments.poll(handle(Ec2Peer.NOW));

        assertThat(status).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
            assertThat(failed.error()).isInstanceOf(RequestRejected.class);
            assertThat(failed.error().providerMessage()).contains("original root volume is still attached");
        });
    }

    @Test
    void theProvidersPollOfAnUpdateOfAServerReachesTheTask() {
        taskIs("describe-replace-root-volume-tasks-succeeded.xml");

        // What a restarted service does with a stored handle: CloudProvider.poll routes SERVER to Servers.
        assertThat(cloud.poll(handle(Ec2Peer.NOW))).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(peer.count("DescribeInstances")).isZero();
    }

    @Test
    void aTaskNotYetVisibleIsInProgressThenFailsAfterTheGrace() {
        taskIs("describe-replace-root-volume-tasks-empty.xml");

        assertThat(deployments.poll(handle(Ec2Peer.NOW))).isInstanceOf(OperationStatus.InProgress.class);
        assertThat(deployments.poll(handle(Ec2Peer.NOW.minus(Ec2Operations.VISIBILITY_GRACE).minusSeconds(1))))
                .isInstanceOfSatisfying(OperationStatus.Failed.class,
                        failed -> assertThat(failed.error()).isInstanceOf(ResourceNotFound.class));
    }

    @Test
    void healthyWhenRunningAndBothStatusChecksAreOk() {
        ec2.stubFor(withForm(action("DescribeInstanceStatus"), Map.of("InstanceId.1", INSTANCE, "IncludeAllInstances", "true"))
                .willReturn(xml("describe-instance-status-ok.xml")));

        var health = deployments.health("us-east-1", INSTANCE);

        assertThat(health.healthy()).isTrue();
    }

    @Test
    void notHealthyWhileTheInstanceCheckIsInitializingAfterTheReboot() {
        ec2.stubFor(withForm(action("DescribeInstanceStatus"), Map.of("InstanceId.1", INSTANCE, "IncludeAllInstances", "true"))
                .willReturn(xml("describe-instance-status-initializing.xml")));

        var health = deployments.health("us-east-1", INSTANCE);

        assertThat(health.healthy()).isFalse();
        assertThat(health.detail()).isEqualTo("system status ok, instance status initializing");
    }

    @Test
    void aStoppedInstanceIsNotHealthy() {
        ec2.stubFor(withForm(action("DescribeInstanceStatus"), Map.of("InstanceId.1", INSTANCE, "IncludeAllInstances", "true"))
                .willReturn(xml("describe-instance-status-stopped.xml")));

        var health = deployments.health("us-east-1", INSTANCE);

        assertThat(health.healthy()).isFalse();
        assertThat(health.detail()).isEqualTo("instance is stopped");
    }

    @Test
    void throttledHealthChecksSurfaceAsThrottledAfterTheAttempts() {
        ec2.stubFor(action("DescribeInstanceStatus").willReturn(error(503, "RequestLimitExceeded", "Request limit exceeded.")));

        assertThatThrownBy(() -> deployments.health("us-east-1", INSTANCE)).isInstanceOf(Throttled.class);
        assertThat(peer.count("DescribeInstanceStatus")).isEqualTo(3);
    }
}
