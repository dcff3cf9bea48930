package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.Money;
import io.skydeck.connectors.spi.PriceList;
import io.skydeck.connectors.spi.ProviderUsage;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.UsageExport;
import io.skydeck.connectors.spi.UsagePeriod;
import io.skydeck.connectors.spi.WorkloadSpec;
import io.skydeck.connectors.spi.Workloads;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Latency is zero here so that the hours are round; prices are the default topology's. */
class SandboxUsageExportTest {
    private static final Instant APRIL_1 = Instant.parse("2024-04-01T00:00:00Z");
    private static final Instant MAY_1 = Instant.parse("2024-05-01T00:00:00Z");
    private static final UsagePeriod APRIL = new UsagePeriod(APRIL_1, MAY_1);

    @TempDir
    Path directory;
    private final MutableClock clock = new MutableClock(APRIL_1);
    private SandboxCloud cloud;
    private Servers servers;

    @BeforeEach
    void openSandbox() {
        cloud = new SandboxCloud("sandbox", SandboxTopology.defaultTopology().withLatency(SandboxTopology.Latency.NONE),
                directory, clock);
        servers = cloud.require(Servers.class);
    }

    @Test
    void thePriceListHasTheFlavorPricesInUsd() {
        assertThat(cloud.require(PriceList.class).flavorPrice("sbx-west-1", "m1.small").orElseThrow().hourly())
                .isEqualTo(Money.of("0.02", "USD"));
    }

    @Test
    void aServerIsBilledForTheTimeItWasActiveAtItsFlavorPrice() {
        String id = servers.create(ServerSpec.of("web", "sbx-east-1", "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"))
                .resource().id();
        clock.advance(Duration.ofMinutes(150));
        servers.delete(id, IdempotencyToken.of("d-1"));
        clock.advance(Duration.ofDays(1));

        // 2 h 30 min × 0.0200 USD/h = 0.0500 USD
        assertThat(usage()).containsExactly(line(id, "server-hours:m1.small", "2.500000", "Hrs",
                APRIL_1, APRIL_1.plus(Duration.ofMinutes(150)), "0.05"));
    }

    @Test
    void aStoppedServerIsNotBilledAndAResizeChangesThePrice() {
        String id = servers.create(ServerSpec.of("web", "sbx-east-1", "m1.small", "ubuntu-22.04"), IdempotencyToken.of("t-1"))
                .resource().id();
        clock.advance(Duration.ofHours(1));   // 00:00–01:00 active as m1.small
        servers.stop(id);
        clock.advance(Duration.ofHours(5));   // 01:00–06:00 stopped: not billed
        servers.start(id);
        clock.advance(Duration.ofMinutes(30)); // 06:00–06:30 active as m1.small
        servers.resize(id, "m1.large");
        clock.advance(Duration.ofMinutes(45)); // 06:30–07:15 active as m1.large, still running at export time
        Instant t = APRIL_1;

        assertThat(usage()).containsExactly(
                // 1 h × 0.02 = 0.02
                line(id, "server-hours:m1.small", "1.000000", "Hrs", t, t.plus(Duration.ofHours(1)), "0.02"),
                // 0.5 h × 0.02 = 0.01
                line(id, "server-hours:m1.small", "0.500000", "Hrs", t.plus(Duration.ofHours(6)), t.plus(Duration.ofMinutes(390)), "0.01"),
                // 0.75 h × 0.08 = 0.06
                line(id, "server-hours:m1.large", "0.750000", "Hrs", t.plus(Duration.ofMinutes(390)), t.plus(Duration.ofMinutes(435)), "0.06"));
    }

    @Test
    void usageIsClippedToThePeriodAsked() {
        clock.advance(Duration.ofDays(30).minusHours(1)); // April 30, 23:00
        String id = servers.create(ServerSpec.of("web", "sbx-east-1", "m1.medium", "ubuntu-22.04"), IdempotencyToken.of("t-1"))
                .resource().id();
        clock.advance(Duration.ofHours(3));                // May 1, 02:00

        // April holds 1 h of it: 1 × 0.04 = 0.04; May so far 2 h: 2 × 0.04 = 0.08
        assertThat(usage()).containsExactly(line(id, "server-hours:m1.medium", "1.000000", "Hrs", MAY_1.minusSeconds(3600), MAY_1, "0.04"));
        assertThat(cloud.require(UsageExport.class).usage(new UsagePeriod(MAY_1, MAY_1.plus(Duration.ofDays(31)))).toList())
                .extracting(ProviderUsage::cost).containsExactly(Money.of("0.08", "USD"));
    }

    @Test
    void aSecondOfAServerCostsItsHourlyPriceDividedBy3600RoundedOnceAtScaleTen() {
        String id = servers.create(ServerSpec.of("gpu", "sbx-east-1", "g1.large", "ubuntu-22.04"), IdempotencyToken.of("t-1"))
                .resource().id();
        clock.advance(Duration.ofSeconds(1));

        // 0.9000 / 3600 = 0.00025 exactly; the quantity 1/3600 h = 0.000277… rounds to 0.000278
        assertThat(usage()).containsExactly(line(id, "server-hours:g1.large", "0.000278", "Hrs", APRIL_1, APRIL_1.plusSeconds(1), "0.00025"));
    }

    @Test
    void aWorkloadIsBilledInVcpuHoursAndGibHoursForItsReadyReplicas() {
        var workloads = cloud.require(Workloads.class);
        workloads.create(WorkloadSpec.deployment("api", "sbx-east-1", "acme", "nginx:1.25", 3, 500, 1_024), IdempotencyToken.of("w-1"));
        clock.advance(Duration.ofHours(2));
        workloads.scale("acme/api", 1);
        clock.advance(Duration.ofHours(1));
        Instant t = APRIL_1;

        assertThat(usage()).containsExactly(
                // 3 × 0.5 vCPU = 1.5 vCPU for 2 h = 3 vCPU-h × 0.04 = 0.12
                line("acme/api", "container-vcpu-hours", "3.000000", "vCPU-Hrs", t, t.plus(Duration.ofHours(2)), "0.12"),
                // 3 × 1 GiB = 3 GiB for 2 h = 6 GiB-h × 0.005 = 0.03
                line("acme/api", "container-gib-hours", "6.000000", "GiB-Hrs", t, t.plus(Duration.ofHours(2)), "0.03"),
                // 1 × 0.5 vCPU for 1 h = 0.5 vCPU-h × 0.04 = 0.02
                line("acme/api", "container-vcpu-hours", "0.500000", "vCPU-Hrs", t.plus(Duration.ofHours(2)), t.plus(Duration.ofHours(3)), "0.02"),
                // 1 GiB for 1 h × 0.005 = 0.005
                line("acme/api", "container-gib-hours", "1.000000", "GiB-Hrs", t.plus(Duration.ofHours(2)), t.plus(Duration.ofHours(3)), "0.005"));
    }

    private List<String> usage() {
        try (var lines = cloud.require(UsageExport.class).usage(APRIL)) {
            return lines.map(SandboxUsageExportTest::describe).toList();
        }
    }

    private static String describe(ProviderUsage u) {
        return String.join(" ", u.resourceId(), u.usageType(), u.quantity().toPlainString(), u.unit(), u.start().toString(),
                u.end().toString(), u.cost().toString());
    }

    private static String line(String id, String usageType, String quantity, String unit, Instant start, Instant end, String usd) {
        return String.join(" ", id, usageType, quantity, unit, start.toString(), end.toString(),
                Money.of(usd, "USD").toString());
    }

}
