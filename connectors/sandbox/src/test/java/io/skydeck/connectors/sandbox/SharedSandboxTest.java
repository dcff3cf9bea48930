package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.ServerStatus;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two sandbox instances over one {@link DatabaseStateStore} row — what two replicas of the
 * service see — behave as one cloud: what one accepts the other sees, a token used on one is
 * honoured by the other, and racing creates from both never over-fill a host.
 */
class SharedSandboxTest {
    private static final String URL = System.getenv("SKYDECK_TEST_DB_URL");
    private static final String USER = System.getenv().getOrDefault("SKYDECK_TEST_DB_USER", "postgres");
    private static final Instant NOW = Instant.parse("2026-04-01T00:00:00Z");
    private static final String CLOUD = "sandbox-shared-test";

    private final MutableClock clock = new MutableClock(NOW);
    private final List<SandboxCloud> opened = new ArrayList<>();

    @BeforeEach
    void needsPostgres() throws SQLException {
        assumeTrue(URL != null, "SKYDECK_TEST_DB_URL is not set: no PostgreSQL to share the sandbox through");
        try (Connection c = connect()) {
            c.createStatement().execute("DROP TABLE IF EXISTS " + DatabaseStateStore.TABLE);
        }
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SandboxCloud::close);
    }

    @Test
    void whatOneInstanceAcceptsTheOtherSees() {
        Servers a = open().require(Servers.class);
        Servers b = open().require(Servers.class);

        var handle = a.create(ServerSpec.of("web-1", "sbx-east-1", "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"));

        assertThat(b.get(handle.resource().id())).map(ProviderServer::status).contains(ServerStatus.ACTIVE);
        // The same token through the other instance is the same create, not a second server.
        var again = b.create(ServerSpec.of("web-1", "sbx-east-1", "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"));
        assertThat(again).isEqualTo(handle);
        b.delete(handle.resource().id(), IdempotencyToken.of("d-1"));
        assertThat(a.list()).isEmpty();
    }

    @Test
    void loadBalancersInstallsAndBadVersionsAreSharedByBothInstances() {
        SandboxCloud a = open();
        SandboxCloud b = open();
        String server = a.require(Servers.class).create(ServerSpec.of("web-1", "sbx-east-1", "m1.small", "ubuntu-22.04"),
                IdempotencyToken.of("t-1")).resource().id();
        var lb = new TrafficTarget("sbx-east-1", "lb-web");

        a.require(TrafficControl.class).pullIn(lb, server);
        b.traffic().markDefective(ArtifactDefect.failsIgnition("app-2", 100));
        var handle = b.require(Deployments.class).install(
                new InstallSpec("sbx-east-1", server, "app-2", Optional.empty(), Optional.empty()), IdempotencyToken.of("i-1"));

        assertThat(b.require(TrafficControl.class).inTraffic(lb)).containsExactly(server);
        assertThat(a.require(Deployments.class).poll(handle)).isInstanceOf(OperationStatus.Succeeded.class);
        assertThat(a.require(Deployments.class).health("sbx-east-1", server).healthy()).isFalse();
        assertThat(a.traffic().measure(List.of(server), java.time.Duration.ofMinutes(1)))
                .isEqualTo(b.traffic().measure(List.of(server), java.time.Duration.ofMinutes(1)));
    }

    @Test
    void aRejectedCallLeavesNothingInTheSharedState() {
        SandboxCloud a = open();
        SandboxCloud b = open();
        a.require(Servers.class).create(ServerSpec.of("web-1", "sbx-east-1", "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"));

        try {
            b.require(Servers.class).create(ServerSpec.of("web-2", "sbx-east-1", "no-such-flavor", "ubuntu-22.04"),
                    IdempotencyToken.of("t-2"));
        } catch (ResourceNotFound expected) {
            // refused as it should be
        }

        assertThat(a.require(Servers.class).list()).extracting(ProviderServer::name).containsExactly("web-1");
        assertThat(b.require(Servers.class).list()).extracting(ProviderServer::name).containsExactly("web-1");
    }

    @Test
    void racingCreatesFromTwoInstancesNeverOverfillAHost() throws Exception {
        // Region sbx-east-1 has 6 hosts of 32 vCPU: room for exactly 24 servers of 8 vCPU (m1.xlarge).
        List<SandboxCloud> clouds = List.of(open(), open());
        int attempts = 40;
        ExecutorService pool = Executors.newFixedThreadPool(16);
        var start = new CountDownLatch(1);
        var accepted = new AtomicInteger();
        var refused = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < attempts; i++) {
            Servers servers = clouds.get(i % 2).require(Servers.class);
            String name = "s-" + i;
            done.add(pool.submit((Callable<Void>) () -> {
                start.await();
                try {
                    servers.create(ServerSpec.of(name, "sbx-east-1", "m1.xlarge", "ubuntu-22.04"), IdempotencyToken.of(name));
                    accepted.incrementAndGet();
                } catch (ProviderUnavailable full) {
                    assertThat(full.getMessage()).contains("NoValidHost");
                    refused.incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        assertThat(accepted.get()).isEqualTo(24);
        assertThat(refused.get()).isEqualTo(attempts - 24);
        SandboxCloud fresh = open();
        List<ProviderServer> live = fresh.require(Servers.class).list();
        assertThat(live).hasSize(24);
        Map<String, Integer> vcpusPerHost = live.stream().collect(Collectors.groupingBy(s -> s.host().orElseThrow(),
                Collectors.summingInt(s -> 8)));
        var capacity = new SandboxCapacity(fresh.topology(), fresh.state());
        for (var region : fresh.topology().regions()) {
            for (var zone : region.zones()) {
                for (var host : zone.hosts()) {
                    assertThat(capacity.hostFree(host).vcpus()).as(host.id()).isGreaterThanOrEqualTo(0);
                    assertThat(vcpusPerHost.getOrDefault(host.id(), 0)).as(host.id()).isLessThanOrEqualTo(host.capacity().vcpus());
                }
            }
        }
    }

    private SandboxCloud open() {
        var store = new DatabaseStateStore(SharedSandboxTest::connect, CLOUD);
        var cloud = new SandboxCloud(CLOUD, SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE), store, clock);
        opened.add(cloud);
        return cloud;
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(URL, USER, System.getenv().getOrDefault("SKYDECK_TEST_DB_PASSWORD", ""));
    }
}
