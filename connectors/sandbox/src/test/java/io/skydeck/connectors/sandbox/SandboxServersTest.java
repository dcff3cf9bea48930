package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxServersTest {
    private static final Instant APRIL_1 = Instant.parse("2024-04-01T00:00:00Z");
    private static final String EAST = "sbx-east-1";
    private static final String EAST_A = "sbx-east-1a";
    private static final String HOST_1 = "sbx-east-1a-h1";
    private static final String HOST_2 = "sbx-east-1a-h2";

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(APRIL_1);
    private SandboxCloud cloud;
    private Servers servers;

    @BeforeEach
    void openSandbox() {
        cloud = SandboxCloud.withDefaultTopology(directory, clock);
        servers = cloud.require(Servers.class);
    }

    @Test
    void theSandboxHasEveryCapabilityAndTwoRegionsOfTwoZones() {
        assertThat(cloud.capabilities()).containsExactlyInAnyOrder(CapabilityKind.values());
        assertThat(cloud.regions()).extracting(r -> r.id() + "=" + r.zones())
                .containsExactly("sbx-east-1=[sbx-east-1a, sbx-east-1b]", "sbx-west-1=[sbx-west-1a, sbx-west-1b]");
    }

    @Test
    void aNewServerIsBuildingUntilTheCreateLatencyHasPassedThenActive() {
        var handle = servers.create(ServerSpec.of("web-1", EAST, "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"));

        assertThat(servers.poll(handle)).isInstanceOf(OperationStatus.InProgress.class);
        assertThat(servers.get(handle.resource().id()).orElseThrow().status()).isEqualTo(ServerStatus.BUILDING);

        clock.advance(Duration.ofSeconds(19));
        assertThat(servers.poll(handle).isFinished()).isFalse();

        clock.advance(Duration.ofSeconds(1)); // the default create latency is 20 s
        assertThat(servers.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, APRIL_1.plusSeconds(20)));
        var server = servers.get(handle.resource().id()).orElseThrow();
        assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
        assertThat(server.zone()).isEqualTo(EAST_A);
        assertThat(server.host()).contains(HOST_1);
        assertThat(server.token()).contains(IdempotencyToken.of("t-1"));
    }

    @Test
    void repeatingACreateWithTheSameTokenReturnsTheSameServer() {
        var spec = ServerSpec.of("web-1", EAST, "m1.small", "ubuntu-22.04");
        var first = servers.create(spec, IdempotencyToken.of("t-1"));
        clock.advance(Duration.ofSeconds(30));

        var again = servers.create(spec, IdempotencyToken.of("t-1"));

        assertThat(again).isEqualTo(first);
        assertThat(servers.list()).hasSize(1);
        assertThat(servers.findByToken(IdempotencyToken.of("t-1")).orElseThrow().id()).isEqualTo(first.resource().id());
    }

    @Test
    void reusingATokenForAnotherServerIsRejected() {
        servers.create(ServerSpec.of("web-1", EAST, "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"));

        assertThatThrownBy(() -> servers.create(ServerSpec.of("web-1", EAST, "m1.large", "ubuntu-22.04"), IdempotencyToken.of("t-1")))
                .isInstanceOf(RequestRejected.class)
                .satisfies(e -> assertThat(((RequestRejected) e).providerCode()).contains("IdempotentParameterMismatch"));
        assertThat(servers.list()).hasSize(1);
    }

    @Test
    void anUnknownFlavorOrImageIsNotFoundAndCreatesNothing() {
        assertThatThrownBy(() -> servers.create(ServerSpec.of("x", EAST, "m9.huge", "ubuntu-22.04"), IdempotencyToken.of("t-1")))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> {
                    assertThat(e.type()).isEqualTo(ResourceType.FLAVOR);
                    assertThat(e.id()).isEqualTo("m9.huge");
                });
        assertThatThrownBy(() -> servers.create(ServerSpec.of("x", EAST, "m1.small", "windows-95"), IdempotencyToken.of("t-2")))
                .isInstanceOfSatisfying(ResourceNotFound.class, e -> assertThat(e.type()).isEqualTo(ResourceType.IMAGE));
        assertThat(servers.list()).isEmpty();
        assertThat(servers.findByToken(IdempotencyToken.of("t-1"))).isEmpty();
    }

    @Test
    void capacityIsTakenWhenACreateIsAcceptedAndGivenBackWhenTheServerIsGone() {
        var inventory = cloud.require(Inventory.class);
        var handle = servers.create(ServerSpec.of("big", EAST, "m1.xlarge", "debian-12").onHost(EAST_A, HOST_1), IdempotencyToken.of("t-1"));

        // host 1: 32 vCPU, 131072 MiB; m1.xlarge: 8 vCPU, 16384 MiB → 24 vCPU, 114688 MiB free
        assertThat(freeOn(inventory, HOST_1)).isEqualTo(new Resources(24, 114_688, 0));

        clock.advance(Duration.ofSeconds(20));
        servers.delete(handle.resource().id(), IdempotencyToken.of("d-1"));
        assertThat(freeOn(inventory, HOST_1)).as("held while DELETING").isEqualTo(new Resources(24, 114_688, 0));

        clock.advance(Duration.ofSeconds(5)); // the default delete latency
        assertThat(servers.get(handle.resource().id())).isEmpty();
        assertThat(freeOn(inventory, HOST_1)).isEqualTo(new Resources(32, 131_072, 0));
    }

    @Test
    void aFullHostRefusesTheNextServerWithNoValidHost() {
        for (int i = 1; i <= 4; i++) { // 4 × 8 vCPU fill the 32 vCPU of host 1
            servers.create(ServerSpec.of("s" + i, EAST, "m1.xlarge", "debian-12").onHost(EAST_A, HOST_1), IdempotencyToken.of("t-" + i));
        }

        assertThatThrownBy(() -> servers.create(ServerSpec.of("s5", EAST, "m1.xlarge", "debian-12").onHost(EAST_A, HOST_1),
                IdempotencyToken.of("t-5")))
                .isInstanceOfSatisfying(ProviderUnavailable.class, e -> assertThat(e.providerCode()).contains("NoValidHost"));
        assertThat(freeOn(cloud.require(Inventory.class), HOST_1)).isEqualTo(new Resources(0, 65_536, 0));
    }

    @Test
    void aStopRepeatedWithItsTokenAfterALaterStartActsNoMore() {
        String id = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1")).resource().id();
        clock.advance(Duration.ofSeconds(20));
        var stop = servers.stop(id, IdempotencyToken.of("op-1"));
        clock.advance(Duration.ofSeconds(5));
        servers.start(id, IdempotencyToken.of("op-2"));
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.get(id).orElseThrow().status()).isEqualTo(ServerStatus.ACTIVE);

        // A replica whose claim on the stop ran out sends it again: the token makes it the first stop.
        assertThat(servers.stop(id, IdempotencyToken.of("op-1"))).isEqualTo(stop);
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.get(id).orElseThrow().status()).as("the late repeat stopped nothing").isEqualTo(ServerStatus.ACTIVE);
        assertThatThrownBy(() -> servers.resize(id, "m1.large", IdempotencyToken.of("op-1")))
                .as("a token names one action").isInstanceOf(RequestRejected.class);
    }

    @Test
    void aServerCanBeStoppedStartedResizedAndDeleted() {
        String id = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1")).resource().id();
        clock.advance(Duration.ofSeconds(20));

        var stop = servers.stop(id);
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.poll(stop).isFinished()).isTrue();
        assertThat(servers.get(id).orElseThrow().status()).isEqualTo(ServerStatus.STOPPED);
        assertThat(servers.poll(servers.stop(id))).as("stopping a stopped server has nothing to do")
                .isInstanceOf(OperationStatus.Succeeded.class);

        var resize = servers.resize(id, "m1.large");
        assertThat(servers.get(id).orElseThrow().status()).isEqualTo(ServerStatus.RESIZING);
        clock.advance(Duration.ofSeconds(15));
        assertThat(servers.poll(resize)).isInstanceOf(OperationStatus.Succeeded.class);
        var resized = servers.get(id).orElseThrow();
        assertThat(resized.flavorId()).isEqualTo("m1.large");
        assertThat(resized.status()).as("back to where it was").isEqualTo(ServerStatus.STOPPED);

        servers.start(id);
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.get(id).orElseThrow().status()).isEqualTo(ServerStatus.ACTIVE);

        var delete = servers.delete(id, IdempotencyToken.of("d-1"));
        assertThat(servers.delete(id, IdempotencyToken.of("d-1"))).isEqualTo(delete);
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.poll(delete)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(servers.list()).isEmpty();
        assertThatThrownBy(() -> servers.delete(id, IdempotencyToken.of("d-2"))).isInstanceOf(ResourceNotFound.class);
    }

    @Test
    void aResizeHoldsTheLargerFlavorUntilItFinishes() {
        var inventory = cloud.require(Inventory.class);
        String id = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04").onHost(EAST_A, HOST_1),
                IdempotencyToken.of("t-1")).resource().id();
        clock.advance(Duration.ofSeconds(20));

        servers.resize(id, "m1.large");
        // m1.small 1 vCPU / 2048 MiB → m1.large 4 vCPU / 8192 MiB: holds 4 / 8192 while resizing
        assertThat(freeOn(inventory, HOST_1)).isEqualTo(new Resources(28, 122_880, 0));
    }

    /**
     * As Nova's scheduler does, a resize its host has no room for moves the server to another
     * host of its zone: the destination holds the new flavor from the start, the source keeps the
     * current one until the resize ends, and the finished resize reports the server on its new host.
     */
    @Test
    void aResizeItsHostHasNoRoomForMigratesTheServerToAnotherHostOfItsZone() {
        var inventory = cloud.require(Inventory.class);
        String id = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04").onHost(EAST_A, HOST_1),
                IdempotencyToken.of("t-1")).resource().id();
        for (int i = 1; i <= 3; i++) {
            servers.create(ServerSpec.of("x" + i, EAST, "m1.xlarge", "debian-12").onHost(EAST_A, HOST_1), IdempotencyToken.of("x-" + i));
        }
        servers.create(ServerSpec.of("l1", EAST, "m1.large", "debian-12").onHost(EAST_A, HOST_1), IdempotencyToken.of("l-1"));
        clock.advance(Duration.ofSeconds(20));
        // host 1: 1 + 3 × 8 + 4 = 29 of 32 vCPU used; m1.small → m1.xlarge needs 7 more
        assertThat(freeOn(inventory, HOST_1).vcpus()).isEqualTo(3);

        var resize = servers.resize(id, "m1.xlarge");

        assertThat(freeOn(inventory, HOST_1)).as("the source keeps m1.small").isEqualTo(new Resources(3, 131_072 - 2_048 - 3 * 16_384 - 8_192, 0));
        assertThat(freeOn(inventory, HOST_2)).as("the destination holds m1.xlarge").isEqualTo(new Resources(24, 131_072 - 16_384, 0));
        assertThat(servers.get(id).orElseThrow().host()).as("still on its host while resizing").contains(HOST_1);

        clock.advance(Duration.ofSeconds(15));
        assertThat(servers.poll(resize)).isInstanceOfSatisfying(OperationStatus.Succeeded.class, done ->
                assertThat(done.server()).hasValueSatisfying(server -> {
                    assertThat(server.host()).contains(HOST_2);
                    assertThat(server.zone()).isEqualTo(EAST_A);
                    assertThat(server.flavorId()).isEqualTo("m1.xlarge");
                    assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
                }));
        assertThat(servers.get(id).orElseThrow().host()).contains(HOST_2);
        // host 1: 3 × 8 + 4 = 28 used; host 2: 8 used
        assertThat(freeOn(inventory, HOST_1).vcpus()).isEqualTo(4);
        assertThat(freeOn(inventory, HOST_2).vcpus()).isEqualTo(24);
    }

    @Test
    void aResizeInPlaceReportsTheServerOnItsOwnHost() {
        String id = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04").onHost(EAST_A, HOST_1),
                IdempotencyToken.of("t-1")).resource().id();
        clock.advance(Duration.ofSeconds(20));

        var resize = servers.resize(id, "m1.large");
        clock.advance(Duration.ofSeconds(15));

        assertThat(servers.poll(resize)).isInstanceOfSatisfying(OperationStatus.Succeeded.class, done ->
                assertThat(done.server()).hasValueSatisfying(server -> assertThat(server.host()).contains(HOST_1)));
    }

    @Test
    void aServerBusyWithOneTaskRefusesAnother() {
        String id = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1")).resource().id();

        assertThatThrownBy(() -> servers.stop(id)).isInstanceOf(RequestRejected.class);
    }

    @Test
    void deletingABuildingServerCancelsItsCreate() {
        var create = servers.create(ServerSpec.of("web", EAST, "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"));

        servers.delete(create.resource().id(), IdempotencyToken.of("d-1"));

        assertThat(servers.poll(create)).isInstanceOfSatisfying(OperationStatus.Failed.class,
                failed -> assertThat(failed.error()).isInstanceOf(RequestRejected.class));
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.list()).isEmpty();
    }

    private static Resources freeOn(Inventory inventory, String hostId) {
        return inventory.hosts(EAST).stream().filter(h -> h.hostId().equals(hostId)).findFirst().orElseThrow().free();
    }
}
