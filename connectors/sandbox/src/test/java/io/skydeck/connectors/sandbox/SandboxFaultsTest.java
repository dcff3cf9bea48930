package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderTimeout;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.QuotaExceeded;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.Throttled;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxFaultsTest {
    private static final Instant APRIL_1 = Instant.parse("2024-04-01T00:00:00Z");
    private static final ServerSpec WEB = ServerSpec.of("web", "sbx-east-1", "m1.xlarge", "ubuntu-22.04")
            .onHost("sbx-east-1a", "sbx-east-1a-h1");
    private static final IdempotencyToken TOKEN = IdempotencyToken.of("req-1");

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
    void aFailedCallThrowsTheInjectedErrorWithTheProvidersMessageAndCreatesNothing() {
        cloud.faults().inject(new Fault.FailCall(SandboxCall.CREATE_SERVER,
                new QuotaExceeded("sandbox", "Quota exceeded for cores: Requested 8, but already used 20 of 20 cores", "413", null)));

        assertThatThrownBy(() -> servers.create(WEB, TOKEN))
                .isInstanceOfSatisfying(QuotaExceeded.class, e -> {
                    assertThat(e.providerMessage()).isEqualTo("Quota exceeded for cores: Requested 8, but already used 20 of 20 cores");
                    assertThat(e.providerCode()).contains("413");
                });
        assertThat(servers.findByToken(TOKEN)).isEmpty();
        assertThat(servers.create(WEB, TOKEN)).as("a fault strikes once").isNotNull();
    }

    @Test
    void throttlingCarriesRetryAfterAndStrikesAsManyTimesAsInjected() {
        cloud.faults().inject(new Fault.FailCall(SandboxCall.READ_SERVERS,
                new Throttled("sandbox", "Rate limit exceeded", Duration.ofSeconds(7))), 2);

        assertThatThrownBy(servers::list).isInstanceOfSatisfying(Throttled.class,
                e -> assertThat(e.retryAfter()).contains(Duration.ofSeconds(7)));
        assertThatThrownBy(servers::list).isInstanceOf(Throttled.class);
        assertThat(servers.list()).isEmpty();
        assertThat(cloud.faults().pending()).isZero();
    }

    @Test
    void anAuthenticationFaultSurfacesAsAuthenticationFailed() {
        cloud.faults().inject(new Fault.FailCall(SandboxCall.READ_INVENTORY,
                new AuthenticationFailed("sandbox", "The request you have made requires authentication.", "401", null)));

        assertThatThrownBy(() -> cloud.require(Inventory.class).hosts("sbx-east-1")).isInstanceOf(AuthenticationFailed.class);
    }

    @Test
    void aFailedOperationIsAcceptedThenEndsFailedWithTheServerInErrorAndItsCapacityFree() {
        cloud.faults().inject(new Fault.FailOperation(SandboxCall.CREATE_SERVER,
                new ProviderUnavailable("sandbox", "Build of instance aborted: Failed to allocate the network(s)", "500", null)));

        var handle = servers.create(WEB, TOKEN);
        clock.advance(Duration.ofSeconds(20));

        assertThat(servers.poll(handle)).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
            assertThat(failed.finishedAt()).isEqualTo(APRIL_1.plusSeconds(20));
            assertThat(failed.error()).isInstanceOf(ProviderUnavailable.class);
            assertThat(failed.error().providerMessage()).isEqualTo("Build of instance aborted: Failed to allocate the network(s)");
        });
        assertThat(servers.findByToken(TOKEN).orElseThrow().status()).isEqualTo(ServerStatus.ERROR);
        assertThat(cloud.require(Inventory.class).hosts("sbx-east-1").get(0).free()).isEqualTo(new Resources(32, 131_072, 0));
    }

    @Test
    void aTimeoutAfterTheRequestWasAppliedLeavesTheServerThereAndTheSameTokenFindsIt() {
        cloud.faults().inject(new Fault.Timeout(SandboxCall.CREATE_SERVER, true));

        assertThatThrownBy(() -> servers.create(WEB, TOKEN)).isInstanceOf(ProviderTimeout.class);

        var found = servers.findByToken(TOKEN);
        assertThat(found).isPresent();
        var retried = servers.create(WEB, TOKEN);
        assertThat(retried.resource().id()).isEqualTo(found.get().id());
        assertThat(servers.list()).hasSize(1);
    }

    @Test
    void aTimeoutBeforeTheRequestWasAppliedLeavesNothing() {
        cloud.faults().inject(new Fault.Timeout(SandboxCall.CREATE_SERVER, false));

        assertThatThrownBy(() -> servers.create(WEB, TOKEN)).isInstanceOf(ProviderTimeout.class);

        assertThat(servers.findByToken(TOKEN)).isEmpty();
        assertThat(servers.list()).isEmpty();
    }

    @Test
    void aSlowOperationTakesTheExtraTimeOnTopOfTheLatency() {
        cloud.faults().inject(new Fault.Slow(SandboxCall.CREATE_SERVER, Duration.ofMinutes(5)));

        var handle = servers.create(WEB, TOKEN);
        clock.advance(Duration.ofSeconds(20 + 299));
        assertThat(servers.poll(handle).isFinished()).isFalse();

        clock.advance(Duration.ofSeconds(1)); // 20 s latency + 300 s slow
        assertThat(servers.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
    }

    /** Nova's single-hypervisor NoValidHost: the resize is accepted, then the server is ACTIVE again on its old flavor, no ERROR. */
    @Test
    void aSilentlyRefusedResizeEndsWithTheServerOnItsOldFlavorAndThePollJudgesItRefused() {
        String id = activeServer();
        cloud.faults().inject(new Fault.SilentlyRefused(SandboxCall.RESIZE_SERVER));

        var resize = servers.resize(id, "m1.small", IdempotencyToken.of("op-resize"));
        assertThat(servers.get(id).orElseThrow().status()).as("accepted and under way").isEqualTo(ServerStatus.RESIZING);
        assertThat(servers.poll(resize).isFinished()).isFalse();
        clock.advance(Duration.ofSeconds(15));

        assertThat(servers.get(id).orElseThrow()).satisfies(server -> {
            assertThat(server.status()).isEqualTo(ServerStatus.ACTIVE);
            assertThat(server.flavorId()).isEqualTo("m1.xlarge");
        });
        assertThat(servers.poll(resize)).isInstanceOfSatisfying(OperationStatus.Failed.class, failed -> {
            assertThat(failed.finishedAt()).isEqualTo(APRIL_1.plusSeconds(20 + 15));
            assertThat(failed.error()).isInstanceOf(RequestRejected.class);
            assertThat(failed.error().providerCode()).contains("resize-refused");
            assertThat(failed.error().providerMessage()).isEqualTo("Server " + id
                    + " was not resized to flavor m1.small; it is ACTIVE on flavor m1.xlarge again.");
        });
        assertThat(cloud.faults().pending()).isZero();
    }

    @Test
    void aSilentlyRefusedStopLeavesTheServerRunningAndTheNextStopWorks() {
        String id = activeServer();
        cloud.faults().inject(new Fault.SilentlyRefused(SandboxCall.STOP_SERVER));

        var refused = servers.stop(id, IdempotencyToken.of("op-stop-1"));
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.get(id).orElseThrow().status()).isEqualTo(ServerStatus.ACTIVE);
        assertThat(servers.poll(refused)).isInstanceOfSatisfying(OperationStatus.Failed.class,
                failed -> assertThat(failed.error().providerCode()).contains("stop-refused"));

        var stop = servers.stop(id, IdempotencyToken.of("op-stop-2"));
        clock.advance(Duration.ofSeconds(5));
        assertThat(servers.poll(stop)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(servers.get(id).orElseThrow().status()).isEqualTo(ServerStatus.STOPPED);
    }

    @Test
    void aSilentRefusalAcceptedBeforeARestartIsStillRefusedAfterIt() {
        String id = activeServer();
        cloud.faults().inject(new Fault.SilentlyRefused(SandboxCall.RESIZE_SERVER));
        var resize = servers.resize(id, "m1.large", IdempotencyToken.of("op-resize"));

        var restarted = SandboxCloud.withDefaultTopology(directory, clock).require(Servers.class);
        clock.advance(Duration.ofSeconds(15));

        assertThat(restarted.poll(resize)).isInstanceOf(OperationStatus.Failed.class);
        assertThat(restarted.get(id).orElseThrow().flavorId()).isEqualTo("m1.xlarge");
    }

    @Test
    void onlyAServersResizeStartOrStopCanBeRefusedSilently() {
        assertThatThrownBy(() -> new Fault.SilentlyRefused(SandboxCall.CREATE_SERVER))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private String activeServer() {
        var handle = servers.create(WEB, TOKEN);
        clock.advance(Duration.ofSeconds(20));
        assertThat(servers.poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        return handle.resource().id();
    }

    @Test
    void aCrashedSandboxRefusesEveryCallAndReportsItselfDown() {
        cloud.faults().inject(new Fault.Crash(SandboxCall.CREATE_SERVER, false));

        assertThatThrownBy(() -> servers.create(WEB, TOKEN)).isInstanceOf(ProviderUnavailable.class);

        assertThatThrownBy(servers::list).isInstanceOf(ProviderUnavailable.class);
        assertThat(cloud.health().state()).isEqualTo(io.skydeck.connectors.spi.ProviderHealth.State.DOWN);
    }
}
