package io.skydeck.connectors.openstack;

import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderSecurityGroup;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroupSpec;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.SecurityRule;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.SubnetSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Against the real OpenStack peer (../shared/tools/openstack-peer; .ci/openstack-peer.sh up).
 * Skipped, with the reason, when SKYDECK_OPENSTACK_PEER_URL is not set.
 *
 * <p>Servers run in the admin project, which has no networks: the peer cannot bind ports, and
 * Nova at its default microversion boots without a NIC only when the project has no network.
 * Network tests therefore run in the demo project and remove what they create.
 */
@Tag("openstack-peer")
class OpenStackPeerTest {
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static OpenStackCloud admin;
    private static OpenStackCloud demo;
    private static String region;
    private static String image;

    @BeforeAll
    static void connect() {
        String url = System.getenv("SKYDECK_OPENSTACK_PEER_URL");
        if (url == null || url.isBlank()) {
            return;
        }
        region = env("SKYDECK_OPENSTACK_PEER_REGION", "RegionOne");
        var adminPassword = password("SKYDECK_OPENSTACK_PEER_ADMIN_PASSWORD", "admin-secret");
        admin = OpenStackCloud.connect(OpenStackConfig.of("openstack-peer", url, "admin", adminPassword, "admin", region));
        demo = OpenStackCloud.connect(OpenStackConfig.of("openstack-peer-demo", url, "demo",
                password("SKYDECK_OPENSTACK_PEER_DEMO_PASSWORD", "demo-secret"), "demo", region));
        image = Optional.ofNullable(System.getenv("SKYDECK_OPENSTACK_PEER_IMAGE")).filter(id -> !id.isBlank())
                .orElseGet(() -> imageNamed(url, adminPassword, "tiny-raw"));
    }

    /** The connector has no image catalogue (the SPI takes image ids), so the test asks Glance itself. */
    private static String imageNamed(String url, OpenStackConfig.PasswordSource password, String name) {
        var os = org.openstack4j.openstack.OSFactory.builderV3().endpoint(url)
                .credentials("admin", password.resolve(System::getenv), org.openstack4j.model.common.Identifier.byName("Default"))
                .scopeToProject(org.openstack4j.model.common.Identifier.byName("admin"), org.openstack4j.model.common.Identifier.byName("Default"))
                .authenticate();
        return os.imagesV2().list(Map.of("name", name)).stream().findFirst()
                .orElseThrow(() -> new IllegalStateException("the peer has no image " + name)).getId();
    }

    /** The peer's documented passwords unless the environment names others; never written to the log. */
    static OpenStackConfig.PasswordSource password(String variable, String peerDefault) {
        String value = System.getenv(variable);
        if (value != null && !value.isBlank()) {
            return OpenStackConfig.PasswordSource.fromEnv(variable);
        }
        try {
            var file = java.nio.file.Files.createTempFile("openstack-peer", ".secret");
            file.toFile().deleteOnExit();
            java.nio.file.Files.writeString(file, peerDefault + "\n");
            return OpenStackConfig.PasswordSource.fromFile(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Per test rather than per class, so that a run without the peer lists each test as skipped, with the reason. */
    @BeforeEach
    void requirePeer() {
        assumeTrue(admin != null,
                "SKYDECK_OPENSTACK_PEER_URL is not set: start the peer with .ci/openstack-peer.sh up and export it (see connectors/openstack/README.md)");
    }

    @AfterAll
    static void close() {
        if (admin != null) {
            admin.close();
            demo.close();
        }
    }

    @Test
    void authenticatesAndReportsHealthAndZones() {
        ProviderHealth health = admin.health();
        assertThat(health.state()).as(health.detail()).isEqualTo(ProviderHealth.State.UP);
        assertThat(admin.regions()).singleElement().satisfies(r -> {
            assertThat(r.id()).isEqualTo(region);
            assertThat(r.zones()).contains("nova");
        });
    }

    @Test
    void listsThePeersFlavorsAndTheFakeHypervisorsCapacity() {
        Inventory inventory = admin.require(Inventory.class);
        assertThat(inventory.flavors(region)).extracting(f -> f.name())
                .contains("m1.nano", "m1.tiny", "m1.small");
        assertThat(inventory.images(region)).filteredOn(i -> i.name().equals("tiny-raw")).singleElement()
                .satisfies(tiny -> assertThat(tiny.id()).isEqualTo(image));
        assertThat(inventory.flavors(region)).filteredOn(f -> f.id().equals("42")).singleElement()
                .satisfies(nano -> assertThat(nano.resources().vcpus()).isEqualTo(1));
        assertThat(inventory.hosts(region)).singleElement().satisfies(host -> {
            assertThat(host.hostId()).isEqualTo("openstack-peer");
            assertThat(host.zone()).isEqualTo("nova");
            assertThat(host.capacity().vcpus()).isPositive();
            assertThat(host.capacity().fits(host.free())).isTrue();
        });
    }

    @Test
    void bootsAServerWithoutANicStopsStartsAndDeletesIt() {
        Servers servers = admin.require(Servers.class);
        IdempotencyToken token = IdempotencyToken.of("peer-" + UUID.randomUUID());
        ServerSpec spec = ServerSpec.of("skydeck-peer-" + token.value().substring(5, 13), region, "42", image)
                .inZone("nova").withTags(Map.of("tenant", "t-peer"));

        OperationHandle create = servers.create(spec, token);
        assertThat(servers.create(spec, token).resource().id()).as("a repeat finds the first server").isEqualTo(create.resource().id());
        assertThat(await(admin, create)).isInstanceOf(OperationStatus.Succeeded.class);

        String id = create.resource().id();
        assertThat(servers.get(id)).hasValueSatisfying(server -> {
            assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
            assertThat(server.flavorId()).isEqualTo("42");
            assertThat(server.zone()).isEqualTo("nova");
            assertThat(server.token()).contains(token);
            assertThat(server.tags()).containsEntry("tenant", "t-peer").doesNotContainKey("skydeck-token");
        });
        assertThat(servers.findByToken(token)).map(s -> s.id()).contains(id);
        assertThat(servers.list()).extracting(s -> s.id()).contains(id);

        assertThat(await(admin, servers.stop(id))).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(servers.get(id)).map(s -> s.status()).contains(ServerStatus.STOPPED);
        assertThat(await(admin, servers.stop(id))).as("stopping a stopped server is a no-op").isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(await(admin, servers.start(id))).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(servers.get(id)).map(s -> s.status()).contains(ServerStatus.ACTIVE);

        assertThat(await(admin, servers.delete(id, token))).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(servers.get(id)).isEmpty();
        assertThat(servers.findByToken(token)).isEmpty();
    }

    /**
     * The peer has one hypervisor and Nova does not resize to the same host by default, so a
     * resize is refused: Nova puts the server back to ACTIVE on its old flavor, with no ERROR.
     * The poll must see that as a failure, not wait for the new flavor for ever.
     */
    @Test
    void aResizeNovaRefusesOnASingleHypervisorFailsInsteadOfRunningForever() {
        Servers servers = admin.require(Servers.class);
        IdempotencyToken token = IdempotencyToken.of("peer-" + UUID.randomUUID());
        OperationHandle create = servers.create(ServerSpec.of("skydeck-resize-" + token.value().substring(5, 13), region, "42", image), token);
        String id = create.resource().id();
        try {
            assertThat(await(admin, create)).isInstanceOf(OperationStatus.Succeeded.class);

            OperationStatus resize = await(admin, servers.resize(id, "1"));

            assertThat(resize).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
                assertThat(failed.error().providerMessage()).contains("did not resize").contains("on flavor 42 again");
            });
            assertThat(servers.get(id)).map(s -> s.flavorId()).contains("42");
        } finally {
            await(admin, servers.delete(id, token));
        }
    }

    /**
     * A flavor with more disk than the peer's only hypervisor (within the project's core and RAM quota): Nova's scheduler finds no valid host and
     * the instance ends in ERROR, with no id ever reported to a caller that lost the answer. It is
     * found by its token and deleted — what the service's clean-up operation does.
     */
    @Test
    void aBuildThatFailsInNovaIsFoundByItsTokenAndDeleted() {
        String url = System.getenv("SKYDECK_OPENSTACK_PEER_URL");
        String flavorName = "skydeck-huge-" + UUID.randomUUID().toString().substring(0, 8);
        var huge = adminClient(url).compute().flavors().create(org.openstack4j.api.Builders.flavor()
                .name(flavorName).ram(64).vcpus(1).disk(10_000_000).build());
        Servers servers = admin.require(Servers.class);
        IdempotencyToken token = IdempotencyToken.of("peer-" + UUID.randomUUID());
        try {
            OperationHandle create = servers.create(ServerSpec.of("skydeck-nohost-" + token.value().substring(5, 13), region,
                    huge.getId(), image), token);

            assertThat(await(admin, create)).isInstanceOfSatisfying(OperationStatus.Failed.class, failed ->
                    assertThat(failed.error().providerMessage()).containsIgnoringCase("valid host"));
            var leftover = servers.findByToken(token);
            assertThat(leftover).as("the ERROR instance is still in Nova").hasValueSatisfying(s ->
                    assertThat(s.status()).isEqualTo(ServerStatus.ERROR));

            assertThat(await(admin, servers.delete(leftover.get().id(), token))).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(servers.findByToken(token)).isEmpty();
        } finally {
            adminClient(url).compute().flavors().delete(huge.getId());
        }
    }

    @Test
    void createsAndDeletesANetworkWithASubnetInTheDemoProject() {
        Networks networks = demo.require(Networks.class);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        IdempotencyToken netToken = IdempotencyToken.of("peer-net-" + suffix);
        OperationHandle network = networks.createNetwork(new NetworkSpec("skydeck-net-" + suffix, region, Optional.empty(), Map.of("tenant", "t-peer")), netToken);
        try {
            assertThat(await(demo, network)).isInstanceOf(OperationStatus.Succeeded.class);
            String networkId = network.resource().id();
            assertThat(networks.createNetwork(new NetworkSpec("skydeck-net-" + suffix, region, Optional.empty(), Map.of()), netToken)
                    .resource().id()).as("a repeat finds the first network").isEqualTo(networkId);
            assertThat(networks.getNetwork(networkId)).hasValueSatisfying(n -> {
                assertThat(n.token()).contains(netToken);
                assertThat(n.tags()).containsEntry("tenant", "t-peer");
            });

            IdempotencyToken subnetToken = IdempotencyToken.of("peer-sub-" + suffix);
            OperationHandle subnet = networks.createSubnet(new SubnetSpec(networkId, "skydeck-sub-" + suffix, "10.42.7.0/24", Optional.empty(), Map.of()), subnetToken);
            assertThat(await(demo, subnet)).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(networks.listSubnets(networkId)).singleElement().satisfies(s -> {
                assertThat(s.cidr()).isEqualTo("10.42.7.0/24");
                assertThat(s.token()).contains(subnetToken);
            });
            assertThat(networks.findByToken(subnetToken)).map(ref -> ref.type()).contains(ResourceType.SUBNET);

            assertThat(await(demo, networks.deleteSubnet(subnet.resource().id(), subnetToken))).isInstanceOf(OperationStatus.Succeeded.class);
        } finally {
            assertThat(await(demo, networks.deleteNetwork(network.resource().id(), netToken))).isInstanceOf(OperationStatus.Succeeded.class);
        }
        assertThat(networks.getNetwork(network.resource().id())).isEmpty();
    }

    @Test
    void createsASecurityGroupWithARuleAddsOneMoreAndDeletesIt() {
        SecurityGroups groups = demo.require(SecurityGroups.class);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        IdempotencyToken token = IdempotencyToken.of("peer-sg-" + suffix);
        SecurityRule ssh = SecurityRule.ingressTcp(22, "10.0.0.0/8");
        OperationHandle create = groups.create(new SecurityGroupSpec("skydeck-sg-" + suffix, region, "peer test",
                Optional.empty(), List.of(ssh), Map.of()), token);
        String groupId = create.resource().id();
        try {
            assertThat(await(demo, create)).isInstanceOf(OperationStatus.Succeeded.class);
            SecurityRule https = SecurityRule.ingressTcp(443, "0.0.0.0/0");
            OperationHandle rule = groups.addRule(groupId, https);
            assertThat(await(demo, rule)).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(groups.addRule(groupId, https).resource().id()).as("adding the same rule again is the same rule").isEqualTo(rule.resource().id());

            ProviderSecurityGroup group = groups.findByToken(token).orElseThrow();
            assertThat(group.id()).isEqualTo(groupId);
            assertThat(group.rules()).extracting(r -> r.rule()).contains(ssh, https);

            assertThat(await(demo, groups.removeRule(groupId, rule.resource().id()))).isInstanceOf(OperationStatus.Succeeded.class);
            assertThat(groups.get(groupId).orElseThrow().rules()).extracting(r -> r.rule()).doesNotContain(https);
        } finally {
            assertThat(await(demo, groups.delete(groupId, token))).isInstanceOf(OperationStatus.Succeeded.class);
        }
        assertThat(groups.get(groupId)).isEmpty();
    }

    /**
     * A password changed in Keystone revokes the user's tokens. Until the secret file is updated
     * every call says "authentication failed" (not "cannot reach", not retried by the breaker);
     * after the update the next call authenticates with the new password — no restart.
     */
    @Test
    void aPasswordRotatedInKeystoneIsPickedUpFromTheUpdatedSecretFile() throws Exception {
        String url = System.getenv("SKYDECK_OPENSTACK_PEER_URL");
        var keystone = adminClient(url);
        String name = "skydeck-rotate-" + UUID.randomUUID().toString().substring(0, 8);
        var project = keystone.identity().projects().getByName("admin", "default");
        var user = keystone.identity().users().create(org.openstack4j.api.Builders.user()
                .name(name).password("first-secret").domainId("default").defaultProjectId(project.getId()).enabled(true).build());
        var memberRole = keystone.identity().roles().getByName("member").get(0);
        keystone.identity().roles().grantProjectUserRole(project.getId(), user.getId(), memberRole.getId());
        var secret = java.nio.file.Files.createTempFile("skydeck-rotate", ".secret");
        try (OpenStackCloud rotating = OpenStackCloud.connect(OpenStackConfig.of("openstack-peer-rotate", url, name,
                OpenStackConfig.PasswordSource.fromFile(secret), "admin", region))) {
            java.nio.file.Files.writeString(secret, "first-secret\n");
            Servers servers = rotating.require(Servers.class);
            assertThat(servers.list()).isNotNull();

            // OpenStack4j binds a client to the thread; the connector's calls took the thread over.
            adminClient(url).identity().users().update(user.toBuilder().password("second-secret").build());
            forgetCachedTokenValidations();

            assertThatAuthenticationFails(() -> servers.list());
            assertThat(rotating.health().detail()).startsWith("authentication failed");

            java.nio.file.Files.writeString(secret, "second-secret\n");
            assertThat(servers.list()).isNotNull();
            assertThat(rotating.health().state()).isEqualTo(ProviderHealth.State.UP);
        } finally {
            adminClient(url).identity().users().delete(user.getId());
            java.nio.file.Files.deleteIfExists(secret);
        }
    }

    /**
     * Nova's keystonemiddleware keeps a token's validation in memcached for token_cache_time
     * (300 s by default), so a revoked token is refused only once that has passed. Flushing the
     * peer's memcached stands in for the wait.
     */
    private static void forgetCachedTokenValidations() throws java.io.IOException {
        try (var socket = new java.net.Socket("127.0.0.1", 11211)) {
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write("flush_all\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String answer = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII)).readLine();
            assertThat(answer).as("memcached's answer to flush_all").isEqualTo("OK");
        }
    }

    private static void assertThatAuthenticationFails(Runnable call) {
        org.assertj.core.api.Assertions.assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(io.skydeck.connectors.spi.AuthenticationFailed.class, failed -> {
                    assertThat(failed.getMessage()).contains("authentication failed").doesNotContain("cannot reach");
                    assertThat(failed.retryable()).isFalse();
                });
    }

    static org.openstack4j.api.OSClient.OSClientV3 adminClient(String url) {
        var id = org.openstack4j.model.common.Identifier.byName("Default");
        return org.openstack4j.openstack.OSFactory.builderV3().endpoint(url)
                .credentials("admin", password("SKYDECK_OPENSTACK_PEER_ADMIN_PASSWORD", "admin-secret").resolve(System::getenv), id)
                .scopeToProject(org.openstack4j.model.common.Identifier.byName("admin"), id)
                .authenticate();
    }

    private static OperationStatus await(CloudProvider cloud, OperationHandle handle) {
        Instant deadline = Instant.now().plus(PATIENCE);
        OperationStatus status = cloud.poll(handle);
        while (!status.isFinished() && Instant.now().isBefore(deadline)) {
            sleep();
            status = cloud.poll(handle);
        }
        return status;
    }

    private static void sleep() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
