package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Releases against the real OpenStack peer, enabled and skipped exactly as {@link OpenStackPeerTest}
 * (SKYDECK_OPENSTACK_PEER_URL and friends; .ci/openstack-peer.sh up). The peer's Nova runs the
 * fake driver, which rebuilds; it has no Octavia, which is what "no traffic control on this
 * provider" looks like on a real cloud.
 */
@Tag("openstack-peer")
class OpenStackReleasePeerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static OpenStackCloud admin;
    private static String region;
    private static String url;
    private static String image;

    @BeforeAll
    static void connect() {
        url = System.getenv("SKYDECK_OPENSTACK_PEER_URL");
        if (url == null || url.isBlank()) {
            return;
        }
        region = OpenStackPeerTest.env("SKYDECK_OPENSTACK_PEER_REGION", "RegionOne");
        admin = OpenStackCloud.connect(OpenStackConfig.of("openstack-peer", url, "admin",
                OpenStackPeerTest.password("SKYDECK_OPENSTACK_PEER_ADMIN_PASSWORD", "admin-secret"), "admin", region));
        image = Optional.ofNullable(System.getenv("SKYDECK_OPENSTACK_PEER_IMAGE")).filter(id -> !id.isBlank())
                .orElseGet(() -> OpenStackPeerTest.adminClient(url).imagesV2().list(Map.of("name", "tiny-raw")).stream().findFirst()
                        .orElseThrow(() -> new IllegalStateException("the peer has no image tiny-raw")).getId());
    }

    @BeforeEach
    void requirePeer() {
        assumeTrue(admin != null,
                "SKYDECK_OPENSTACK_PEER_URL is not set: start the peer with .ci/openstack-peer.sh up and export it (see connectors/openstack/README.md)");
    }

    @AfterAll
    static void close() {
        if (admin != null) {
            admin.close();
        }
    }

    @Test
    void thePeerHasNoOctaviaSoTrafficControlIsNotOfferedButDeploymentsAre() {
        assertThat(admin.capabilities()).doesNotContain(CapabilityKind.TRAFFIC_CONTROL).contains(CapabilityKind.DEPLOYMENTS);
        assertThat(admin.capability(TrafficControl.class)).isEmpty();
    }

    /**
     * The peer has one image, so the version is the same image again: what shows the rebuild ran is
     * Nova's instance action "rebuild" and the install token in the server's metadata.
     */
    @Test
    void installsAVersionByRebuildingTheServerOnceAndPassesTheIgnitionCheck() {
        Servers servers = admin.require(Servers.class);
        Deployments deployments = admin.require(Deployments.class);
        IdempotencyToken create = IdempotencyToken.of("peer-" + UUID.randomUUID());
        OperationHandle boot = servers.create(ServerSpec.of("skydeck-rebuild-" + create.value().substring(5, 13), region, "42", image)
                .withTags(Map.of("tenant", "t-peer")), create);
        String id = boot.resource().id();
        try {
            assertThat(await(admin, boot)).isInstanceOf(OperationStatus.Succeeded.class);
            IdempotencyToken install = IdempotencyToken.of("peer-install-" + create.value().substring(5, 13));
            InstallSpec spec = new InstallSpec(region, id, image, Optional.empty(), Optional.empty());

            OperationHandle handle = deployments.install(spec, install);
            OperationHandle repeat = deployments.install(spec, install);
            OperationStatus done = await(admin, handle);

            assertThat(handle.kind()).isEqualTo(OperationKind.UPDATE);
            assertThat(repeat.operationId()).isEqualTo(handle.operationId());
            assertThat(done).isInstanceOfSatisfying(OperationStatus.Succeeded.class, succeeded ->
                    assertThat(succeeded.server()).hasValueSatisfying(server -> {
                        assertThat(server.imageId()).isEqualTo(image);
                        assertThat(server.token()).as("the create token survives the rebuild").contains(create);
                        assertThat(server.tags()).containsEntry("tenant", "t-peer").doesNotContainKey("skydeck-install");
                    }));
            var nova = OpenStackPeerTest.adminClient(url).compute().servers();
            assertThat(nova.get(id).getMetadata()).containsEntry("skydeck-install", install.value());
            assertThat(nova.instanceActions().list(id)).filteredOn(action -> "rebuild".equals(action.getAction()))
                    .as("one rebuild for the install and its repeat").hasSize(1);
            assertThat(deployments.health(region, id).healthy()).isTrue();
        } finally {
            await(admin, servers.delete(id, create));
        }
    }

    private static OperationStatus await(CloudProvider cloud, OperationHandle handle) {
        Instant deadline = Instant.now().plus(PATIENCE);
        OperationStatus status = cloud.poll(handle);
        while (!status.isFinished() && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            status = cloud.poll(handle);
        }
        return status;
    }
}
