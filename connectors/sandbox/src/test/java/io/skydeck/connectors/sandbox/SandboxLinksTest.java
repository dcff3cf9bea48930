package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.VpnSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxLinksTest {
    private static final String EAST = "sbx-east-1";
    private static final String WEST = "sbx-west-1";

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(Instant.parse("2024-04-01T00:00:00Z"));
    private SandboxCloud cloud;

    @BeforeEach
    void openSandbox() {
        cloud = SandboxCloud.withDefaultTopology(directory, clock);
    }

    private String network(String name, String region, String cidr) {
        String id = cloud.require(Networks.class).createNetwork(new NetworkSpec(name, region, Optional.of(cidr), Map.of()),
                IdempotencyToken.of("n-" + name)).resource().id();
        clock.advance(Duration.ofSeconds(1));
        return id;
    }

    @Test
    void aPeeringAcrossRegionsIsFoundByItsTokenSurvivesARestartAndHoldsItsNetworksUntilDeleted() {
        String east = network("east", EAST, "10.1.0.0/16");
        String west = network("west", WEST, "10.2.0.0/16");
        var peerings = cloud.require(NetworkPeerings.class);
        assertThat(peerings.acrossRegions()).isTrue();
        var spec = new PeeringSpec(new PeeringSpec.NetworkSide(EAST, east, "10.1.0.0/16"), new PeeringSpec.NetworkSide(WEST, west, "10.2.0.0/16"),
                Map.of("skydeck-link", "l-1"));
        var handle = peerings.createPeering(spec, IdempotencyToken.of("p-1"));
        assertThat(peerings.createPeering(spec, IdempotencyToken.of("p-1"))).isEqualTo(handle);
        clock.advance(Duration.ofSeconds(1));
        assertThat(peerings.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);

        var restarted = SandboxCloud.withDefaultTopology(directory, clock).require(NetworkPeerings.class);
        var found = restarted.findPeeringByToken(IdempotencyToken.of("p-1")).orElseThrow();
        assertThat(found.id()).isEqualTo(handle.resource().id());
        assertThat(found.peerNetworkId()).isEqualTo(west);
        assertThat(found.peerRegion()).isEqualTo(WEST);
        assertThatThrownBy(() -> cloud.require(Networks.class).deleteNetwork(west, IdempotencyToken.of("dn-1")))
                .isInstanceOf(RequestRejected.class).hasMessageContaining("peering");

        peerings.deletePeering(found.id(), IdempotencyToken.of("dp-1"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(peerings.getPeering(found.id())).isEmpty();
        assertThatThrownBy(() -> peerings.deletePeering(found.id(), IdempotencyToken.of("dp-2"))).isInstanceOf(ResourceNotFound.class);
        cloud.require(Networks.class).deleteNetwork(west, IdempotencyToken.of("dn-1"));
    }

    @Test
    void aPeeringNamingAnUnknownNetworkIsRefused() {
        String east = network("east", EAST, "10.1.0.0/16");
        var spec = new PeeringSpec(new PeeringSpec.NetworkSide(EAST, east, "10.1.0.0/16"),
                new PeeringSpec.NetworkSide(EAST, "net-999999", "10.2.0.0/16"), Map.of());
        assertThatThrownBy(() -> cloud.require(NetworkPeerings.class).createPeering(spec, IdempotencyToken.of("p-2")))
                .isInstanceOf(ResourceNotFound.class).hasMessageContaining("net-999999");
    }

    @Test
    void aVpnSideHasAFixedEndpointAddressAndItsKeyIsNeitherShownNorStored() throws Exception {
        String east = network("east", EAST, "10.1.0.0/16");
        var vpns = cloud.require(VpnConnections.class);
        String address = vpns.endpointAddress(EAST, east).orElseThrow();
        assertThat(address).startsWith("198.51.100.");
        assertThat(vpns.endpointAddress(EAST, east)).contains(address);

        var spec = new VpnSpec(EAST, east, "10.1.0.0/16", "192.0.2.10", "172.16.0.0/16", "s3cret-key-never-kept", Map.of());
        assertThat(spec.toString()).doesNotContain("s3cret");
        var handle = vpns.createVpnConnection(spec, IdempotencyToken.of("v-1"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(vpns.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        var made = vpns.findVpnConnectionByToken(IdempotencyToken.of("v-1")).orElseThrow();
        assertThat(made.localAddress()).contains(address);
        assertThat(made.peerAddress()).isEqualTo("192.0.2.10");
        assertThat(made.peerCidr()).isEqualTo("172.16.0.0/16");
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                assertThat(Files.readString(file)).as(file.toString()).doesNotContain("s3cret");
            }
        }
        assertThatThrownBy(() -> vpns.createVpnConnection(new VpnSpec(EAST, east, "10.1.0.0/16", "192.0.2.10", "172.16.0.0/16", "short",
                Map.of()), IdempotencyToken.of("v-2"))).isInstanceOf(RequestRejected.class);

        vpns.deleteVpnConnection(made.id(), IdempotencyToken.of("dv-1"));
        clock.advance(Duration.ofSeconds(1));
        assertThat(vpns.getVpnConnection(made.id())).isEmpty();
    }
}
