package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxTrafficTest {
    private static final String EAST = "sbx-east-1";
    private static final Instant NOON = Instant.parse("2024-04-01T12:00:00Z");
    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(NOON);
    private SandboxCloud cloud;
    private List<String> pods;

    @BeforeEach
    void tenPods() {
        cloud = new SandboxCloud("sandbox", SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE), directory, clock);
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", EAST, "acme", "web:1", 10, 100, 128),
                IdempotencyToken.of("w-1"));
        pods = cloud.traffic().pods("acme/web");
    }

    @Test
    void aSoundInstanceServes20To30RequestsASecondWithFewErrorsAndAP99Of80To120Ms() {
        var measured = cloud.traffic().measure(pods, FIVE_MINUTES);

        assertThat(measured).extracting(TrafficMeasurement::instanceId).isEqualTo(pods);
        for (var m : measured) {
            assertThat(m.artifact()).isEqualTo("web:1");
            assertThat(m.from()).isEqualTo(NOON.minus(FIVE_MINUTES));
            assertThat(m.to()).isEqualTo(NOON);
            assertThat(m.requests() % 300).as("a whole rate times 300 s").isZero();
            assertThat(m.requests()).isBetween(20L * 300, 30L * 300);
            assertThat(m.errors()).isLessThanOrEqualTo(m.requests() * 4 / 10_000);
            assertThat(m.successRate()).isGreaterThanOrEqualTo(0.9996);
            assertThat(m.p99()).isBetween(Duration.ofMillis(80), Duration.ofMillis(120));
        }
    }

    @Test
    void theSameQuestionGetsTheSameAnswerAndTwiceTheWindowTwiceTheRequests() {
        var first = cloud.traffic().measure(pods, FIVE_MINUTES);
        assertThat(cloud.traffic().measure(pods, FIVE_MINUTES)).isEqualTo(first);

        var doubled = cloud.traffic().measure(pods, FIVE_MINUTES.multipliedBy(2));
        for (int i = 0; i < pods.size(); i++) {
            assertThat(doubled.get(i).requests()).isEqualTo(2 * first.get(i).requests());
            assertThat(doubled.get(i).p99()).isEqualTo(first.get(i).p99());
        }
    }

    @Test
    void aVersionServingErrorsShowsThemOnEveryInstanceThatRunsIt() {
        cloud.traffic().markDefective(ArtifactDefect.servesErrors("web:2", 10, Duration.ofMillis(200)));
        install("acme/web-0", "web:2");

        var canary = cloud.traffic().measure(List.of("acme/web-0"), FIVE_MINUTES).get(0);
        var baseline = cloud.traffic().measure(List.of("acme/web-1"), FIVE_MINUTES).get(0);

        assertThat(canary.artifact()).isEqualTo("web:2");
        // 10 % of the requests on top of at most 0.04 %.
        assertThat(canary.errors()).isBetween(canary.requests() / 10, canary.requests() / 10 + canary.requests() * 4 / 10_000);
        assertThat(canary.successRate()).isLessThan(0.9).isLessThan(baseline.successRate());
        assertThat(canary.p99()).isBetween(Duration.ofMillis(280), Duration.ofMillis(320));
        assertThat(cloud.require(Deployments.class).health(EAST, "acme/web-0").healthy()).isTrue();
    }

    @Test
    void anInstanceWhereTheVersionFailsIgnitionFailsEveryRequestAtTheClientTimeout() {
        var bad = ArtifactDefect.failsIgnition("web:2", 30);
        cloud.traffic().markDefective(bad);
        pods.forEach(pod -> install(pod, "web:2"));

        for (var m : cloud.traffic().measure(pods, FIVE_MINUTES)) {
            if (bad.failsIgnitionOn(m.instanceId())) {
                assertThat(m.errors()).isEqualTo(m.requests());
                assertThat(m.successRate()).isZero();
                assertThat(m.p99()).isEqualTo(ArtifactDefect.CLIENT_TIMEOUT);
            } else {
                assertThat(m.successRate()).isGreaterThanOrEqualTo(0.9996);
            }
        }
    }

    @Test
    void anUnknownInstanceIsNotFoundAndAWindowIsAtLeastASecond() {
        assertThatThrownBy(() -> cloud.traffic().measure(List.of("acme/web-10"), FIVE_MINUTES)).isInstanceOf(ResourceNotFound.class);
        assertThatThrownBy(() -> cloud.traffic().measure(pods, Duration.ofMillis(999))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cloud.traffic().pods("acme/nothing")).isInstanceOf(ResourceNotFound.class);
    }

    private void install(String pod, String artifact) {
        cloud.require(Deployments.class).install(new InstallSpec(EAST, pod, artifact, Optional.empty(), Optional.empty()),
                IdempotencyToken.of("i-" + pod.replace('/', '.') + "-" + artifact.replace(':', '.')));
    }
}
