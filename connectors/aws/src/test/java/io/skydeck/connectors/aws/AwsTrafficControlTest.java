package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Throttled;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.elbAction;
import static io.skydeck.connectors.aws.Ec2Peer.elbError;
import static io.skydeck.connectors.aws.Ec2Peer.elbXml;
import static io.skydeck.connectors.aws.Ec2Peer.withForm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** ELBv2 target (de)registration and target health, against the API reference's XML. */
class AwsTrafficControlTest {
    @RegisterExtension
    static WireMockExtension elb = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067";
    private static final TrafficTarget WEB = new TrafficTarget("us-east-1", GROUP);
    private static final String INSTANCE = "i-0598c7d356eba48d7";

    private final Ec2Peer peer = new Ec2Peer(elb);
    private AwsCloud cloud;
    private TrafficControl traffic;

    @BeforeEach
    void connect() {
        cloud = peer.cloud();
        traffic = cloud.require(TrafficControl.class);
    }

    @AfterEach
    void close() {
        cloud.close();
    }

    private static Map<String, String> oneTarget() {
        return Map.of("TargetGroupArn", GROUP, "Targets.member.1.Id", INSTANCE);
    }

    @Test
    void awsOffersTrafficControlAndDeployments() {
        assertThat(cloud.capabilities()).contains(CapabilityKind.TRAFFIC_CONTROL, CapabilityKind.DEPLOYMENTS);
    }

    @Test
    void pullOutDeregistersTheInstanceFromTheTargetGroupOnTheGroupsOwnPort() {
        elb.stubFor(withForm(elbAction("DeregisterTargets"), oneTarget())
                .withFormParam("Targets.member.1.Port", absent())
                .willReturn(elbXml("deregister-targets.xml")));

        traffic.pullOut(WEB, INSTANCE);

        assertThat(peer.count("DeregisterTargets")).isEqualTo(1);
        assertThat(peer.count("RegisterTargets")).isZero();
    }

    @Test
    void pullInRegistersTheInstanceWithTheTargetGroup() {
        elb.stubFor(withForm(elbAction("RegisterTargets"), oneTarget())
                .withFormParam("Targets.member.1.Port", absent())
                .willReturn(elbXml("register-targets.xml")));

        traffic.pullIn(WEB, INSTANCE);

        assertThat(peer.count("RegisterTargets")).isEqualTo(1);
        assertThat(peer.count("DeregisterTargets")).isZero();
    }

    @Test
    void repeatingAPullOutOrPullInSendsTheSameRequestAgainAndChangesNothingElse() {
        elb.stubFor(withForm(elbAction("DeregisterTargets"), oneTarget()).willReturn(elbXml("deregister-targets.xml")));
        elb.stubFor(withForm(elbAction("RegisterTargets"), oneTarget()).willReturn(elbXml("register-targets.xml")));

        traffic.pullOut(WEB, INSTANCE);
        traffic.pullOut(WEB, INSTANCE);
        traffic.pullIn(WEB, INSTANCE);
        traffic.pullIn(WEB, INSTANCE);

        assertThat(peer.count("DeregisterTargets")).isEqualTo(2);
        assertThat(peer.count("RegisterTargets")).isEqualTo(2);
        assertThat(peer.pauses).isEmpty();
    }

    @Test
    void inTrafficIsTheHealthyTargetsOnlyNotInitialDrainingOrUnhealthyOnes() {
        elb.stubFor(withForm(elbAction("DescribeTargetHealth"), Map.of("TargetGroupArn", GROUP))
                .withFormParam("Targets.member.1.Id", absent())
                .willReturn(elbXml("describe-target-health.xml")));

        // The fixture: two healthy, one initial, one draining, one unhealthy.
        assertThat(traffic.inTraffic(WEB)).containsExactlyInAnyOrder("i-0f76fade435676abd", INSTANCE);
    }

    @Test
    void anUnknownTargetGroupIsNotFoundNamingItsArn() {
        elb.stubFor(elbAction("RegisterTargets").willReturn(elbError(400, "TargetGroupNotFound",
                "One or more target groups not found")));

        assertThatThrownBy(() -> traffic.pullIn(WEB, INSTANCE))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.TRAFFIC_TARGET);
                    assertThat(missing.id()).isEqualTo(GROUP);
                    assertThat(missing.providerCode()).contains("TargetGroupNotFound");
                    assertThat(missing.providerMessage()).isEqualTo("One or more target groups not found");
                });
        assertThat(peer.count("RegisterTargets")).isEqualTo(1);
    }

    @Test
    void anUnknownTargetGroupInInTrafficIsNotFoundToo() {
        elb.stubFor(elbAction("DescribeTargetHealth").willReturn(elbError(400, "TargetGroupNotFound",
                "One or more target groups not found")));

        assertThatThrownBy(() -> traffic.inTraffic(WEB))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> assertThat(missing.type()).isEqualTo(ResourceType.TRAFFIC_TARGET));
    }

    @Test
    void anInstanceTheGroupCannotTakeIsAnUnknownServer() {
        elb.stubFor(elbAction("DeregisterTargets").willReturn(elbError(400, "InvalidTarget",
                "The following targets are not in a running state and cannot be registered: 'i-0598c7d356eba48d7'")));

        assertThatThrownBy(() -> traffic.pullOut(WEB, INSTANCE))
                .isInstanceOfSatisfying(ResourceNotFound.class, missing -> {
                    assertThat(missing.type()).isEqualTo(ResourceType.SERVER);
                    assertThat(missing.id()).isEqualTo(INSTANCE);
                    assertThat(missing.providerCode()).contains("InvalidTarget");
                });
    }

    @Test
    void throttlingIsRetriedWithBackoffUntilElbAnswers() {
        var scenario = "throttled";
        elb.stubFor(elbAction("DeregisterTargets").inScenario(scenario).whenScenarioStateIs(Scenario.STARTED)
                .willSetStateTo("calm").willReturn(elbError(400, "Throttling", "Rate exceeded")));
        elb.stubFor(withForm(elbAction("DeregisterTargets"), oneTarget()).inScenario(scenario).whenScenarioStateIs("calm")
                .willReturn(elbXml("deregister-targets.xml")));

        traffic.pullOut(WEB, INSTANCE);

        assertThat(peer.pauses).containsExactly(Duration.ofMillis(100));
        assertThat(peer.count("DeregisterTargets")).isEqualTo(2);
    }

    @Test
    void throttlingThatOutlastsTheAttemptsSurfacesAsThrottled() {
        elb.stubFor(elbAction("DescribeTargetHealth").willReturn(elbError(400, "Throttling", "Rate exceeded")));

        assertThatThrownBy(() -> traffic.inTraffic(WEB))
                .isInstanceOfSatisfying(Throttled.class, throttled -> {
                    assertThat(throttled.providerCode()).contains("Throttling");
                    assertThat(throttled.retryable()).isTrue();
                });
        assertThat(peer.count("DescribeTargetHealth")).isEqualTo(3);
    }

    @Test
    void healthUnavailableIsTheProvidersFaultNotTheCallers() {
        elb.stubFor(elbAction("DescribeTargetHealth").willReturn(elbError(500, "HealthUnavailable",
                "The health of the specified targets could not be retrieved due to an internal error.")));

        assertThatThrownBy(() -> traffic.inTraffic(WEB))
                .isInstanceOf(io.skydeck.connectors.spi.ProviderUnavailable.class);
        // A read is safe to repeat: three attempts.
        assertThat(peer.count("DescribeTargetHealth")).isEqualTo(3);
    }

    @Test
    void weightsAndHeaderRoutingAreNotOfferedOnATargetGroup() {
        assertThat(traffic.weighsTraffic()).isFalse();
        assertThat(traffic.routesByHeader()).isFalse();
        assertThatThrownBy(() -> traffic.weigh(WEB, Set.of(INSTANCE), 10)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(elb.getAllServeEvents()).isEmpty();
    }
}
