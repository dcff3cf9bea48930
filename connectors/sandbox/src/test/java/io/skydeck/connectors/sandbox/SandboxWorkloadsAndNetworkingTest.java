package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.SubnetSpec;
import io.skydeck.connectors.spi.WorkloadKind;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.WorkloadStatus;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxWorkloadsAndNetworkingTest {
    private static final String EAST = "sbx-east-1";

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(Instant.parse("2024-04-01T00:00:00Z"));
    private SandboxCloud cloud;

    @BeforeEach
    void openSandbox() {
        cloud = SandboxCloud.withDefaultTopology(directory, clock);
    }

    @Test
    void workloadReplicasTakeContainerCapacityAndScalingDownGivesItBack() {
        var workloads = cloud.require(Workloads.class);
        var inventory = cloud.require(Inventory.class);
        var handle = workloads.create(WorkloadSpec.deployment("api", EAST, "acme", "nginx:1.25", 4, 2_000, 4_096),
                IdempotencyToken.of("w-1"));

        // pool: 16000m, 65536 MiB, 110 pods; 4 × (2000m, 4096 MiB, 1 pod) = 8000m, 16384 MiB, 4 pods
        assertThat(inventory.containerCapacity(EAST).get(0).free()).isEqualTo(new ContainerResources(8_000, 49_152, 106));
        clock.advance(Duration.ofSeconds(20));
        assertThat(workloads.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(workloads.get("acme/api").orElseThrow().readyReplicas()).isEqualTo(4);

        workloads.scale("acme/api", 1);
        clock.advance(Duration.ofSeconds(10));
        var scaled = workloads.get("acme/api").orElseThrow();
        assertThat(scaled.status()).isEqualTo(WorkloadStatus.AVAILABLE);
        assertThat(scaled.readyReplicas()).isEqualTo(1);
        // 1 × (2000m, 4096 MiB, 1 pod) left
        assertThat(inventory.containerCapacity(EAST).get(0).free()).isEqualTo(new ContainerResources(14_000, 61_440, 109));
    }

    @Test
    void aScaleRepeatedWithItsTokenAfterALaterScaleActsNoMore() {
        var workloads = cloud.require(Workloads.class);
        workloads.create(WorkloadSpec.deployment("api", EAST, "acme", "nginx:1.25", 4, 2_000, 4_096), IdempotencyToken.of("w-1"));
        clock.advance(Duration.ofSeconds(20));
        var first = workloads.scale("acme/api", 1, IdempotencyToken.of("op-1"));
        clock.advance(Duration.ofSeconds(10));
        workloads.scale("acme/api", 3, IdempotencyToken.of("op-2"));
        clock.advance(Duration.ofSeconds(10));

        assertThat(workloads.scale("acme/api", 1, IdempotencyToken.of("op-1"))).isEqualTo(first);
        clock.advance(Duration.ofSeconds(10));
        assertThat(workloads.get("acme/api").orElseThrow().desiredReplicas()).as("the late repeat scaled nothing").isEqualTo(3);
    }

    @Test
    void aWorkloadThatFitsInNoPoolIsRefusedAndADaemonSetCannotBeScaled() {
        var workloads = cloud.require(Workloads.class);

        // 9 × 2000m = 18000m > 16000m in either zone
        assertThatThrownBy(() -> workloads.create(WorkloadSpec.deployment("big", EAST, "acme", "nginx", 9, 2_000, 1_024),
                IdempotencyToken.of("w-1"))).isInstanceOf(ProviderUnavailable.class);

        workloads.create(new WorkloadSpec("agent", EAST, Optional.empty(), "ops", WorkloadKind.DAEMON_SET, "agent:1", 0,
                new ContainerResources(100, 128, 1), Map.of()), IdempotencyToken.of("w-2"));
        assertThatThrownBy(() -> workloads.scale("ops/agent", 3)).isInstanceOf(RequestRejected.class);
    }

    @Test
    void aNetworkWithSubnetsCannotBeDeletedUntilTheSubnetsAreGone() {
        var networks = cloud.require(Networks.class);
        String net = networks.createNetwork(new NetworkSpec("tenant", EAST, Optional.empty(), Map.of()), IdempotencyToken.of("n-1"))
                .resource().id();
        String subnet = networks.createSubnet(new SubnetSpec(net, "web", "10.0.1.0/24", Optional.of("sbx-east-1a"), Map.of()),
                IdempotencyToken.of("s-1")).resource().id();
        clock.advance(Duration.ofSeconds(1));

        assertThat(networks.findByToken(IdempotencyToken.of("s-1")).orElseThrow().id()).isEqualTo(subnet);
        assertThatThrownBy(() -> networks.deleteNetwork(net, IdempotencyToken.of("dn-1"))).isInstanceOf(RequestRejected.class);

        networks.deleteSubnet(subnet, IdempotencyToken.of("ds-1"));
        clock.advance(Duration.ofSeconds(1));
        networks.deleteNetwork(net, IdempotencyToken.of("dn-1"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(networks.listNetworks()).isEmpty();
    }

    /** As Neutron: a fixed address is unique within its subnet; two tenants' networks may use the same range. */
    @Test
    void aFixedAddressIsTakenOnceInItsSubnetButFreeInAnotherNetworksSubnetOfTheSameRange() {
        var networks = cloud.require(Networks.class);
        var servers = cloud.require(Servers.class);
        String[] subnets = new String[2];
        String[] nets = new String[2];
        for (int i = 0; i < 2; i++) {
            nets[i] = networks.createNetwork(new NetworkSpec("tenant-" + i, EAST, Optional.of("10.0.0.0/16"), Map.of()),
                    IdempotencyToken.of("n-" + i)).resource().id();
            subnets[i] = networks.createSubnet(new SubnetSpec(nets[i], "a", "10.0.0.0/17", Optional.of("sbx-east-1a"), Map.of()),
                    IdempotencyToken.of("s-" + i)).resource().id();
        }
        clock.advance(Duration.ofSeconds(1));

        servers.create(ServerSpec.of("one", EAST, "m1.small", "cirros-0.6").inNetwork(nets[0], subnets[0], "10.0.0.4", List.of()),
                IdempotencyToken.of("v-1"));
        servers.create(ServerSpec.of("other", EAST, "m1.small", "cirros-0.6").inNetwork(nets[1], subnets[1], "10.0.0.4", List.of()),
                IdempotencyToken.of("v-2"));
        assertThatThrownBy(() -> servers.create(ServerSpec.of("clash", EAST, "m1.small", "cirros-0.6")
                .inNetwork(nets[0], subnets[0], "10.0.0.4", List.of()), IdempotencyToken.of("v-3")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("already allocated in subnet " + subnets[0]);
    }

    @Test
    void aSecurityGroupKeepsItsRulesAndAddingTheSameRuleTwiceAddsItOnce() {
        var groups = cloud.require(SecurityGroups.class);
        String id = groups.create(new SecurityGroupSpec("web", EAST, "web tier", Optional.empty(),
                List.of(SecurityRule.ingressTcp(443, "0.0.0.0/0")), Map.of()), IdempotencyToken.of("g-1")).resource().id();

        groups.addRule(id, SecurityRule.ingressTcp(22, "10.0.0.0/8"));
        groups.addRule(id, SecurityRule.ingressTcp(22, "10.0.0.0/8"));
        clock.advance(Duration.ofSeconds(1));

        assertThat(groups.get(id).orElseThrow().rules()).extracting(r -> r.rule().portFrom()).containsExactly(443, 22);
    }

    @Test
    void aPublicIpIsAllocatedAssociatedAndMustBeDisassociatedBeforeRelease() {
        var ips = cloud.require(PublicIps.class);
        String server = cloud.require(Servers.class).create(ServerSpec.of("web", EAST, "m1.small", "cirros-0.6"),
                IdempotencyToken.of("t-1")).resource().id();
        String ip = ips.allocate(new PublicIpSpec(EAST, Optional.empty(), Map.of()), IdempotencyToken.of("ip-1")).resource().id();
        assertThat(ips.get(ip).orElseThrow().address()).isEqualTo("203.0.113.1");
        assertThatThrownBy(() -> ips.associate(ip, server)).as("still being allocated").isInstanceOf(RequestRejected.class);
        clock.advance(Duration.ofSeconds(1));

        ips.associate(ip, server);
        clock.advance(Duration.ofSeconds(1));
        assertThat(ips.get(ip).orElseThrow().serverId()).contains(server);
        assertThatThrownBy(() -> ips.release(ip, IdempotencyToken.of("r-1"))).isInstanceOf(RequestRejected.class);

        ips.disassociate(ip);
        clock.advance(Duration.ofSeconds(1));
        ips.release(ip, IdempotencyToken.of("r-1"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(ips.list()).isEmpty();
    }
}
