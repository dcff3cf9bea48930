package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.InstanceHealth;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
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
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxDeploymentsTest {
    private static final Instant APRIL_1 = Instant.parse("2024-04-01T00:00:00Z");
    private static final String EAST = "sbx-east-1";
    private static final String WEST = "sbx-west-1";

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(APRIL_1);
    private SandboxCloud cloud;
    private Deployments deployments;

    @BeforeEach
    void openSandbox() {
        cloud = SandboxCloud.withDefaultTopology(directory, clock); // install latency = create latency = 20 s
        deployments = cloud.require(Deployments.class);
    }

    @Test
    void theSandboxDeclaresTrafficControlAndDeployments() {
        assertThat(cloud.capabilities()).contains(CapabilityKind.TRAFFIC_CONTROL, CapabilityKind.DEPLOYMENTS);
    }

    @Test
    void anInstallRebuildsTheServerWithTheArtifactAfterTheCreateLatency() {
        String server = activeServer("web-1", EAST);
        var handle = deployments.install(install(EAST, server, "app-1.1"), IdempotencyToken.of("i-1"));

        assertThat(handle.kind()).isEqualTo(OperationKind.UPDATE);
        assertThat(handle.resource().type()).isEqualTo(ResourceType.SERVER);
        assertThat(deployments.poll(handle)).isInstanceOf(OperationStatus.InProgress.class);
        assertThat(deployments.health(EAST, server)).isEqualTo(InstanceHealth.failing("installing app-1.1 on " + server));

        clock.advance(Duration.ofSeconds(19));
        assertThat(deployments.poll(handle).isFinished()).isFalse();
        clock.advance(Duration.ofSeconds(1));

        var done = (OperationStatus.Succeeded) deployments.poll(handle);
        assertThat(done.finishedAt()).isEqualTo(handle.acceptedAt().plusSeconds(20));
        assertThat(done.server().orElseThrow().imageId()).isEqualTo("app-1.1");
        assertThat(cloud.require(Servers.class).get(server).orElseThrow().imageId()).isEqualTo("app-1.1");
        assertThat(deployments.health(EAST, server)).isEqualTo(InstanceHealth.ok());
        // The service polls a stored handle through the provider, which routes a SERVER handle to Servers: same answer.
        assertThat(cloud.poll(handle)).isEqualTo(done);
    }

    @Test
    void repeatingAnInstallWithItsTokenReturnsTheFirstOperationEvenAfterItFinished() {
        String server = activeServer("web-1", EAST);
        var spec = install(EAST, server, "app-1.1");
        var first = deployments.install(spec, IdempotencyToken.of("i-1"));
        clock.advance(Duration.ofSeconds(5));
        assertThat(deployments.install(spec, IdempotencyToken.of("i-1"))).isEqualTo(first);

        clock.advance(Duration.ofSeconds(60));
        assertThat(deployments.install(spec, IdempotencyToken.of("i-1"))).isEqualTo(first);
        assertThatThrownBy(() -> deployments.install(install(EAST, server, "app-1.2"), IdempotencyToken.of("i-1")))
                .isInstanceOf(RequestRejected.class)
                .hasMessageContaining("already used with different parameters");
    }

    @Test
    void anInstallWhileAnotherRunsOnTheInstanceIsRefusedAndOfWhatItRunsFinishesAtOnce() {
        String server = activeServer("web-1", EAST);
        deployments.install(install(EAST, server, "app-1.1"), IdempotencyToken.of("i-1"));

        assertThatThrownBy(() -> deployments.install(install(EAST, server, "app-1.2"), IdempotencyToken.of("i-2")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("busy with UPDATE");

        clock.advance(Duration.ofSeconds(20));
        var again = deployments.install(install(EAST, server, "app-1.1"), IdempotencyToken.of("i-3"));
        assertThat(deployments.poll(again)).isInstanceOfSatisfying(OperationStatus.Succeeded.class,
                done -> assertThat(done.finishedAt()).isEqualTo(again.acceptedAt()));
    }

    @Test
    void anUnknownInstanceIsNotFoundAndSoIsOneInAnotherRegion() {
        String server = activeServer("web-1", EAST);
        cloud.require(Workloads.class).create(WorkloadSpec.deployment("web", EAST, "acme", "web:1", 2, 100, 128),
                IdempotencyToken.of("w-1"));
        clock.advance(Duration.ofSeconds(20));

        assertThatThrownBy(() -> deployments.install(install(EAST, "srv-999999", "app-1.1"), IdempotencyToken.of("i-1")))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.SERVER));
        assertThatThrownBy(() -> deployments.install(install(EAST, "acme/web-2", "web:2"), IdempotencyToken.of("i-2")))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.WORKLOAD));
        assertThatThrownBy(() -> deployments.health(WEST, server)).isInstanceOf(ResourceNotFound.class);
        assertThatThrownBy(() -> deployments.health(EAST, "acme/web-01")).isInstanceOf(ResourceNotFound.class);
        assertThat(deployments.health(EAST, "acme/web-1")).isEqualTo(InstanceHealth.ok());
    }

    @Test
    void podsTakeTheImageOneByOneAndTheWorkloadTakesItWhenTheLastPodHasIt() {
        var workloads = cloud.require(Workloads.class);
        workloads.create(WorkloadSpec.deployment("web", EAST, "acme", "web:1", 3, 100, 128), IdempotencyToken.of("w-1"));
        clock.advance(Duration.ofSeconds(20));
        var pods = cloud.traffic().pods("acme/web");
        assertThat(pods).containsExactly("acme/web-0", "acme/web-1", "acme/web-2");

        var first = deployments.install(install(EAST, "acme/web-0", "web:2"), IdempotencyToken.of("i-0"));
        assertThat(first.resource().type()).isEqualTo(ResourceType.WORKLOAD);
        clock.advance(Duration.ofSeconds(20));
        assertThat(deployments.poll(first)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(artifacts(pods)).containsExactly("web:2", "web:1", "web:1");
        assertThat(workloads.get("acme/web").orElseThrow().image()).isEqualTo("web:1");

        deployments.install(install(EAST, "acme/web-1", "web:2"), IdempotencyToken.of("i-1"));
        deployments.install(install(EAST, "acme/web-2", "web:2"), IdempotencyToken.of("i-2"));
        clock.advance(Duration.ofSeconds(20));

        assertThat(workloads.get("acme/web").orElseThrow().image()).isEqualTo("web:2");
        assertThat(artifacts(pods)).containsExactly("web:2", "web:2", "web:2");
        assertThat(cloud.state().podImages).isEmpty();
    }

    @Test
    void aPodScaledAwayAndBackStartsFromTheWorkloadsImage() {
        var workloads = cloud.require(Workloads.class);
        workloads.create(WorkloadSpec.deployment("web", EAST, "acme", "web:1", 2, 100, 128), IdempotencyToken.of("w-1"));
        clock.advance(Duration.ofSeconds(20));
        deployments.install(install(EAST, "acme/web-1", "web:2"), IdempotencyToken.of("i-1"));
        clock.advance(Duration.ofSeconds(20));

        workloads.scale("acme/web", 1);
        clock.advance(Duration.ofSeconds(10));
        workloads.scale("acme/web", 2);
        clock.advance(Duration.ofSeconds(10));

        assertThat(artifacts(List.of("acme/web-0", "acme/web-1"))).containsExactly("web:1", "web:1");
    }

    /** How a test injects a bad version: mark it, install it, and ask the defect which instances it fails on. */
    @Test
    void aVersionThatFailsOn30PercentFailsTheIgnitionCheckOnTheInstancesItsHashPicks() {
        var workloads = cloud.require(Workloads.class);
        workloads.create(WorkloadSpec.deployment("web", EAST, "acme", "web:1", 20, 100, 128), IdempotencyToken.of("w-1"));
        clock.advance(Duration.ofSeconds(20));
        var bad = ArtifactDefect.failsIgnition("web:2", 30);
        cloud.traffic().markDefective(bad);
        var pods = cloud.traffic().pods("acme/web");
        pods.forEach(pod -> deployments.install(install(EAST, pod, "web:2"), IdempotencyToken.of("i-" + pod.replace('/', '.'))));
        clock.advance(Duration.ofSeconds(20));

        var failing = pods.stream().filter(pod -> !deployments.health(EAST, pod).healthy()).toList();

        assertThat(failing).isEqualTo(pods.stream().filter(bad::failsIgnitionOn).toList());
        // Pinned: the hash picks the same pods in every run and every JVM (6 of 20 here).
        assertThat(failing).containsExactly("acme/web-0", "acme/web-3", "acme/web-8", "acme/web-9", "acme/web-18", "acme/web-19");
        assertThat(deployments.health(EAST, "acme/web-3").detail()).isEqualTo(
                "web:2 fails its ignition check on acme/web-3 (a defect marked in the sandbox)");
        // Cleared, the version is sound on the same pods again.
        cloud.traffic().clearDefect("web:2");
        assertThat(deployments.health(EAST, "acme/web-3")).isEqualTo(InstanceHealth.ok());
    }

    @Test
    void overAThousandInstancesThe30PercentDefectFailsBetween27And33Percent() {
        var bad = ArtifactDefect.failsIgnition("app-2.0", 30);
        long failing = IntStream.range(0, 1000).mapToObj(i -> String.format("srv-%06d", i)).filter(bad::failsIgnitionOn).count();
        assertThat(failing).isBetween(270L, 330L);
        assertThat(IntStream.range(0, 1000).mapToObj(i -> "srv-" + i).filter(ArtifactDefect.failsIgnition("app-2.0", 0)::failsIgnitionOn))
                .isEmpty();
        assertThat(IntStream.range(0, 1000).mapToObj(i -> "srv-" + i).allMatch(ArtifactDefect.failsIgnition("app-2.0", 100)::failsIgnitionOn))
                .isTrue();
    }

    @Test
    void aFailedInstallLeavesTheServerOnItsImage() {
        String server = activeServer("web-1", EAST);
        cloud.faults().inject(new Fault.FailOperation(SandboxCall.INSTALL,
                new RequestRejected("sandbox", "the install hook exited 1", "InstallFailed", null)));
        var handle = deployments.install(install(EAST, server, "app-1.1"), IdempotencyToken.of("i-1"));
        clock.advance(Duration.ofSeconds(20));

        assertThat(deployments.poll(handle)).isInstanceOfSatisfying(OperationStatus.Failed.class,
                failed -> assertThat(failed.error()).hasMessageContaining("the install hook exited 1"));
        assertThat(cloud.require(Servers.class).get(server).orElseThrow().imageId()).isEqualTo("ubuntu-22.04");
        assertThat(deployments.health(EAST, server)).isEqualTo(InstanceHealth.ok());
    }

    @Test
    void aStoppedServerFailsItsIgnitionCheck() {
        String server = activeServer("web-1", EAST);
        cloud.require(Servers.class).stop(server);
        clock.advance(Duration.ofSeconds(5));
        assertThat(deployments.health(EAST, server)).isEqualTo(InstanceHealth.failing("server " + server + " is STOPPED"));
    }

    @Test
    void anAcceptedInstallFinishesInASandboxReopenedOverTheSameState() {
        String server = activeServer("web-1", EAST);
        var handle = deployments.install(install(EAST, server, "app-1.1"), IdempotencyToken.of("i-1"));
        cloud.traffic().markDefective(ArtifactDefect.failsIgnition("app-1.1", 100));

        var reopened = SandboxCloud.withDefaultTopology(directory, clock);
        clock.advance(Duration.ofSeconds(20));

        assertThat(reopened.require(Deployments.class).poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(reopened.require(Deployments.class).health(EAST, server).healthy()).isFalse();
        assertThat(reopened.traffic().defect("app-1.1")).contains(ArtifactDefect.failsIgnition("app-1.1", 100));
    }

    private List<String> artifacts(List<String> instances) {
        return cloud.traffic().measure(instances, Duration.ofMinutes(1)).stream().map(TrafficMeasurement::artifact).toList();
    }

    private String activeServer(String name, String region) {
        var handle = cloud.require(Servers.class).create(ServerSpec.of(name, region, "m1.small", "ubuntu-22.04"),
                IdempotencyToken.of("c-" + name));
        clock.advance(Duration.ofSeconds(20));
        return handle.resource().id();
    }

    private static InstallSpec install(String region, String instance, String artifact) {
        return new InstallSpec(region, instance, artifact, Optional.empty(), Optional.empty());
    }
}
