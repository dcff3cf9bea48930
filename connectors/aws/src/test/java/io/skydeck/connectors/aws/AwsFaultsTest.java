package io.skydeck.connectors.aws;

import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static io.skydeck.connectors.aws.Ec2Peer.action;
import static io.skydeck.connectors.aws.Ec2Peer.error;
import static io.skydeck.connectors.aws.Ec2Peer.xml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the connector does when EC2 refuses, stalls, throttles or talks nonsense. */
class AwsFaultsTest {
    @RegisterExtension
    static WireMockExtension ec2 = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

    private static final String INSTANCE = "i-0598c7d356eba48d7";
    private static final List<Region> US_EAST_1 = List.of(new Region("us-east-1", List.of("us-east-1a")));

    private final Ec2Peer peer = new Ec2Peer(ec2);
    private AwsCloud cloud = peer.cloud();

    @AfterEach
    void close() {
        cloud.close();
    }

    private Servers servers() {
        return cloud.require(Servers.class);
    }

    @Test
    void refusedCredentialsAreAuthenticationFailedAndNeverRetried() {
        ec2.stubFor(action("DescribeInstances").willReturn(error(401, "AuthFailure",
                "AWS was not able to validate the provided access credentials")));

        assertThatThrownBy(() -> servers().get(INSTANCE))
                .isInstanceOfSatisfying(AuthenticationFailed.class, refused -> {
                    assertThat(refused.providerCode()).contains("AuthFailure");
                    assertThat(refused.providerMessage()).isEqualTo("AWS was not able to validate the provided access credentials");
                    assertThat(refused.provider()).isEqualTo("aws-test");
                });
        assertThat(peer.count("DescribeInstances")).isEqualTo(1);
        assertThat(peer.pauses).isEmpty();
    }

    @Test
    void missingPermissionIsAuthenticationFailedToo() {
        ec2.stubFor(action("StopInstances").willReturn(error(403, "UnauthorizedOperation",
                "You are not authorized to perform this operation.")));

        assertThatThrownBy(() -> servers().stop(INSTANCE))
                .isInstanceOfSatisfying(AuthenticationFailed.class, refused ->
                        assertThat(refused.providerCode()).contains("UnauthorizedOperation"));
    }

    @Test
    void aRequestSignedWithAnotherAccessKeyMatchesNoStub() {
        // The stubs demand our key in the SigV4 credential scope; this proves they really look.
        ec2.stubFor(action("DescribeInstances").willReturn(xml("describe-instances-running.xml")));
        ec2.stubFor(Ec2Peer.withForm(com.github.tomakehurst.wiremock.client.WireMock.post("/")
                        .atPriority(10), Map.of()).willReturn(error(401, "AuthFailure", "unsigned or wrongly signed")));
        var settings = new AwsSettings("aws-other", US_EAST_1,
                new AwsCredentialsSource.Environment("K", "S", Optional.empty()),
                Optional.of(java.net.URI.create(ec2.baseUrl())), Duration.ofSeconds(8), Duration.ofSeconds(2), RetryPolicy.none());
        try (var other = new AwsCloud(settings, Map.of("K", "AKIDSOMEONEELSE", "S", "secret")::get, Ec2Peer.CLOCK)) {
            assertThatThrownBy(() -> other.require(Servers.class).get(INSTANCE)).isInstanceOf(AuthenticationFailed.class);
        }
        assertThat(servers().get(INSTANCE)).isPresent();
    }

    @Test
    void throttlingIsRetriedWithExponentialBackoffUntilEc2Answers() {
        var describe = action("DescribeInstances").inScenario("throttled");
        ec2.stubFor(describe.whenScenarioStateIs(Scenario.STARTED).willSetStateTo("again")
                .willReturn(error(503, "RequestLimitExceeded", "Request limit exceeded.")));
        ec2.stubFor(action("DescribeInstances").inScenario("throttled").whenScenarioStateIs("again").willSetStateTo("calm")
                .willReturn(error(503, "RequestLimitExceeded", "Request limit exceeded.")));
        ec2.stubFor(action("DescribeInstances").inScenario("throttled").whenScenarioStateIs("calm")
                .willReturn(xml("describe-instances-running.xml")));

        assertThat(servers().get(INSTANCE)).isPresent();

        // Jitter pinned to its ceiling: 100 ms · 2^0, then 100 ms · 2^1.
        assertThat(peer.pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
        assertThat(peer.count("DescribeInstances")).isEqualTo(3);
    }

    @Test
    void throttlingThatOutlastsTheAttemptsSurfacesAsThrottled() {
        ec2.stubFor(action("DescribeInstances").willReturn(error(503, "RequestLimitExceeded", "Request limit exceeded.")));

        assertThatThrownBy(() -> servers().get(INSTANCE))
                .isInstanceOfSatisfying(Throttled.class, throttled -> {
                    assertThat(throttled.providerCode()).contains("RequestLimitExceeded");
                    assertThat(throttled.retryable()).isTrue();
                });
        assertThat(peer.count("DescribeInstances")).isEqualTo(3);
    }

    @Test
    void serviceUnavailableWithRetryAfterWaitsAsLongAsEc2Asked() {
        ec2.stubFor(action("StartInstances").inScenario("503").whenScenarioStateIs(Scenario.STARTED).willSetStateTo("up")
                .willReturn(error(503, "Unavailable", "The server is overloaded and can't handle the request.")
                        .withHeader("Retry-After", "7")));
        ec2.stubFor(action("StartInstances").inScenario("503").whenScenarioStateIs("up").willReturn(xml("start-instances.xml")));

        servers().start(INSTANCE);

        assertThat(peer.pauses).containsExactly(Duration.ofSeconds(7));
        assertThat(peer.count("StartInstances")).isEqualTo(2);
    }

    @Test
    void aPersistentInternalErrorIsProviderUnavailableAfterThreeAttempts() {
        ec2.stubFor(action("DescribeInstances").willReturn(error(500, "InternalError",
                "An internal error has occurred.")));

        assertThatThrownBy(() -> servers().get(INSTANCE))
                .isInstanceOfSatisfying(ProviderUnavailable.class, unavailable -> {
                    assertThat(unavailable.providerCode()).contains("InternalError");
                    assertThat(unavailable.providerMessage()).isEqualTo("An internal error has occurred.");
                });
        assertThat(peer.count("DescribeInstances")).isEqualTo(3);
        assertThat(peer.pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200));
    }

    @Test
    void aClientErrorIsNeverRetried() {
        ec2.stubFor(action("StartInstances").willReturn(error(400, "IncorrectInstanceState",
                "The instance 'i-0598c7d356eba48d7' is not in a state from which it can be started.")));

        assertThatThrownBy(() -> servers().start(INSTANCE)).isInstanceOf(RequestRejected.class);
        assertThat(peer.count("StartInstances")).isEqualTo(1);
    }

    @Test
    void aSlowReadTimesOutPerAttemptAndIsRepeated() {
        cloud.close();
        cloud = peer.cloud(US_EAST_1, Duration.ofMillis(300));
        ec2.stubFor(action("DescribeInstances").willReturn(xml("describe-instances-running.xml").withFixedDelay(1_500)));

        assertThatThrownBy(() -> servers().get(INSTANCE)).isInstanceOf(ProviderTimeout.class);
        assertThat(peer.count("DescribeInstances")).isEqualTo(3);
    }

    @Test
    void aCreateWithoutClientTokenThatTimesOutIsNotRepeatedBecauseItMayHaveHappened() {
        cloud.close();
        cloud = peer.cloud(US_EAST_1, Duration.ofMillis(300));
        ec2.stubFor(action("DescribeVpcs").willReturn(xml("describe-vpcs-empty.xml")));
        ec2.stubFor(action("CreateVpc").willReturn(xml("create-vpc.xml").withFixedDelay(1_500)));
        var spec = new NetworkSpec("acme-prod", "us-east-1", Optional.of("10.0.0.0/16"), Map.of());

        assertThatThrownBy(() -> cloud.require(Networks.class).createNetwork(spec, IdempotencyToken.of("net-acme-prod")))
                .isInstanceOf(ProviderTimeout.class);
        assertThat(peer.count("CreateVpc")).isEqualTo(1);
    }

    @Test
    void aBodyThatIsNotEc2XmlIsProviderUnavailable() {
        ec2.stubFor(action("DescribeInstances").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<html><body>Bad gateway page from a proxy")));

        assertThatThrownBy(() -> servers().get(INSTANCE)).isInstanceOf(ProviderUnavailable.class);
    }

    @Test
    void aDroppedConnectionIsProviderUnavailable() {
        ec2.stubFor(action("DescribeInstances").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        assertThatThrownBy(() -> servers().get(INSTANCE)).isInstanceOf(ProviderUnavailable.class);
        assertThat(peer.count("DescribeInstances")).isEqualTo(3);
    }

    @Test
    void healthIsUpWhenEc2AnswersAndDownWhenItRefusesTheCredentials() {
        ec2.stubFor(Ec2Peer.withForm(action("DescribeAvailabilityZones"), Map.of("Filter.1.Name", "state",
                "Filter.1.Value.1", "available")).willReturn(xml("describe-availability-zones.xml")));
        assertThat(cloud.health().state()).isEqualTo(ProviderHealth.State.UP);

        ec2.stubFor(action("DescribeAvailabilityZones").willReturn(error(401, "AuthFailure",
                "AWS was not able to validate the provided access credentials")));
        var down = cloud.health();
        assertThat(down.state()).isEqualTo(ProviderHealth.State.DOWN);
        assertThat(down.detail()).contains("AuthFailure").doesNotContain(Ec2Peer.SECRET);
        assertThat(down.checkedAt()).isEqualTo(Ec2Peer.NOW);
    }
}
