package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A "restart" is a new {@link SandboxCloud} over the same directory; the old one is simply dropped. */
class SandboxRestartTest {
    private static final Instant APRIL_1 = Instant.parse("2024-04-01T00:00:00Z");
    private static final ServerSpec WEB = ServerSpec.of("web", "sbx-east-1", "m1.large", "debian-12")
            .onHost("sbx-east-1a", "sbx-east-1a-h2").withTags(Map.of("skydeck/tenant", "acme"));
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("req-1");

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(APRIL_1);

    private SandboxCloud restart() {
        return SandboxCloud.withDefaultTopology(directory, clock);
    }

    @Test
    void serversNetworksAndCapacitySurviveARestart() {
        var before = restart();
        var server = before.require(Servers.class).create(WEB, TOKEN);
        before.require(Networks.class).createNetwork(new NetworkSpec("tenant-net", "sbx-east-1", Optional.of("10.20.0.0/16"),
                Map.of()), IdempotencyToken.of("net-1"));
        clock.advance(Duration.ofMinutes(1));

        var after = restart();

        var servers = after.require(Servers.class);
        var restored = servers.get(server.resource().id()).orElseThrow();
        assertThat(restored.status()).isEqualTo(ServerStatus.ACTIVE);
        assertThat(restored.tags()).containsEntry("skydeck/tenant", "acme");
        assertThat(after.require(Networks.class).listNetworks()).extracting(n -> n.name()).containsExactly("tenant-net");
        // m1.large is 4 vCPU / 8192 MiB of host 2's 32 / 131072
        assertThat(after.require(Inventory.class).hosts("sbx-east-1").get(1).free()).isEqualTo(new Resources(28, 122_880, 0));
        assertThat(servers.create(WEB, TOKEN)).as("tokens survive too").isEqualTo(server);
    }

    @Test
    void aCreateInFlightAtARestartFinishesInTheNewInstance() {
        var handle = restart().require(Servers.class).create(WEB, TOKEN);

        var servers = restart().require(Servers.class);
        assertThat(servers.findByToken(TOKEN).orElseThrow().status()).isEqualTo(ServerStatus.BUILDING);
        assertThat(servers.poll(handle)).isInstanceOf(OperationStatus.InProgress.class);

        clock.advance(Duration.ofSeconds(20));
        assertThat(servers.poll(handle)).isEqualTo(new OperationStatus.Succeeded(handle, APRIL_1.plusSeconds(20)));
        assertThat(servers.findByToken(TOKEN).orElseThrow().status()).isEqualTo(ServerStatus.ACTIVE);
    }

    @Test
    void aCreateThatCrashedBeforeReachingDiskIsAbsentAndCanBeMadeAgainWithItsToken() {
        var crashing = restart();
        crashing.faults().inject(new Fault.Crash(SandboxCall.CREATE_SERVER, false));
        assertThatThrownBy(() -> crashing.require(Servers.class).create(WEB, TOKEN)).isInstanceOf(ProviderUnavailable.class);

        var servers = restart().require(Servers.class);
        assertThat(servers.findByToken(TOKEN)).isEmpty();
        assertThat(servers.list()).isEmpty();

        servers.create(WEB, TOKEN);
        assertThat(servers.list()).hasSize(1);
    }

    @Test
    void aCreateThatCrashedAfterReachingDiskIsPresentWithItsToken() {
        var crashing = restart();
        crashing.faults().inject(new Fault.Crash(SandboxCall.CREATE_SERVER, true));
        assertThatThrownBy(() -> crashing.require(Servers.class).create(WEB, TOKEN)).isInstanceOf(ProviderUnavailable.class);

        var servers = restart().require(Servers.class);
        var found = servers.findByToken(TOKEN).orElseThrow();
        assertThat(servers.create(WEB, TOKEN).resource().id()).isEqualTo(found.id());
        assertThat(servers.list()).hasSize(1);
    }

    @Test
    void aFailedOperationReportsTheSameErrorAfterARestart() {
        var before = restart();
        before.faults().inject(new Fault.FailOperation(SandboxCall.CREATE_SERVER,
                new QuotaExceeded("sandbox", "Quota exceeded for instances", "413", null)));
        var handle = before.require(Servers.class).create(WEB, TOKEN);
        clock.advance(Duration.ofSeconds(20));

        assertThat(restart().require(Servers.class).poll(handle)).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
            assertThat(failed.error()).isInstanceOf(QuotaExceeded.class);
            assertThat(failed.error().providerMessage()).isEqualTo("Quota exceeded for instances");
            assertThat(failed.error().providerCode()).contains("413");
        });
    }

    @Test
    void aTornTemporaryFileFromACrashedWriteIsIgnored() throws Exception {
        var handle = restart().require(Servers.class).create(WEB, TOKEN);
        Files.writeString(directory.resolve(FileStateStore.STATE_FILE + ".tmp"), "{\"servers\": {\"srv-0000");

        assertThat(restart().require(Servers.class).get(handle.resource().id())).isPresent();
    }

    @Test
    void idsContinueAfterARestartSoNoIdIsHandedOutTwice() {
        var first = restart().require(Servers.class).create(WEB, TOKEN);
        var second = restart().require(Servers.class).create(WEB, IdempotencyToken.of("req-2"));

        assertThat(second.resource().id()).isNotEqualTo(first.resource().id());
        assertThat(second.operationId()).isNotEqualTo(first.operationId());
    }
}
