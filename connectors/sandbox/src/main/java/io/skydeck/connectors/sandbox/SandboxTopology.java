package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.Resources;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The shape of the simulated cloud: regions → zones → hosts, one container pool per zone,
 * flavors with hourly prices (the same in every region), the images servers boot from, container rates, and how long each
 * kind of operation takes. Fixed at construction; only the state of what runs on it is persisted.
 */
public record SandboxTopology(
        List<RegionSpec> regions,
        List<FlavorSpec> flavors,
        List<String> images,
        Currency currency,
        BigDecimal containerVcpuHourly,
        BigDecimal containerGibHourly,
        Latency latency) {

    public record HostSpec(String id, Resources capacity) {
    }

    public record ZoneSpec(String id, List<HostSpec> hosts, ContainerResources containerPool) {
        public ZoneSpec {
            hosts = List.copyOf(hosts);
        }
    }

    public record RegionSpec(String id, List<ZoneSpec> zones) {
        public RegionSpec {
            zones = List.copyOf(zones);
        }
    }

    public record FlavorSpec(String id, Resources resources, int diskGiB, BigDecimal hourly) {
    }

    /** Simulated durations, measured on the injected clock from the moment a call is accepted. */
    public record Latency(Duration create, Duration delete, Duration power, Duration resize, Duration scale,
                          Duration network) {
        public static final Latency NONE = new Latency(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ZERO, Duration.ZERO);
    }

    public SandboxTopology {
        regions = List.copyOf(regions);
        flavors = List.copyOf(flavors);
        images = List.copyOf(images);
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(containerVcpuHourly, "containerVcpuHourly");
        Objects.requireNonNull(containerGibHourly, "containerGibHourly");
        Objects.requireNonNull(latency, "latency");
    }

    /**
     * Two regions × two zones × three hosts: two general hosts (32 vCPU, 128 GiB) and one GPU
     * host (32 vCPU, 256 GiB, 4 GPU) per zone; a container pool of 16 cores, 64 GiB, 110 pods
     * per zone; six flavors priced in USD; three images; operations that take seconds, like a real cloud.
     */
    public static SandboxTopology defaultTopology() {
        var regions = new ArrayList<RegionSpec>();
        for (String region : List.of("sbx-east-1", "sbx-west-1")) {
            var zones = new ArrayList<ZoneSpec>();
            for (String suffix : List.of("a", "b")) {
                String zone = region + suffix;
                zones.add(new ZoneSpec(zone, List.of(
                        new HostSpec(zone + "-h1", new Resources(32, 131_072, 0)),
                        new HostSpec(zone + "-h2", new Resources(32, 131_072, 0)),
                        new HostSpec(zone + "-gpu1", new Resources(32, 262_144, 4))),
                        new ContainerResources(16_000, 65_536, 110)));
            }
            regions.add(new RegionSpec(region, zones));
        }
        var flavors = List.of(
                flavor("m1.tiny", 1, 512, 1, "0.0060"),
                flavor("m1.small", 1, 2_048, 20, "0.0200"),
                flavor("m1.medium", 2, 4_096, 40, "0.0400"),
                flavor("m1.large", 4, 8_192, 80, "0.0800"),
                flavor("m1.xlarge", 8, 16_384, 160, "0.1600"),
                new FlavorSpec("g1.large", new Resources(8, 65_536, 1), 200, new BigDecimal("0.9000")));
        var latency = new Latency(Duration.ofSeconds(20), Duration.ofSeconds(5), Duration.ofSeconds(5),
                Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(1));
        var images = List.of("ubuntu-22.04", "debian-12", "cirros-0.6");
        return new SandboxTopology(regions, flavors, images, Currency.getInstance("USD"),
                new BigDecimal("0.0400"), new BigDecimal("0.0050"), latency);
    }

    private static FlavorSpec flavor(String id, int vcpus, long memoryMiB, int diskGiB, String hourly) {
        return new FlavorSpec(id, new Resources(vcpus, memoryMiB, 0), diskGiB, new BigDecimal(hourly));
    }

    /**
     * A topology from a JSON file with this record's shape (durations as ISO-8601, e.g.
     * {@code "PT20S"}; resources as {@code {"vcpus":32,"memoryMiB":131072,"gpus":0}}), for a
     * sandbox sized for a test or a benchmark.
     */
    public static SandboxTopology read(java.nio.file.Path file) throws java.io.IOException {
        return SandboxJson.readTopology(file);
    }

    /** The same topology with other latencies; tests often want {@link Latency#NONE} or round numbers. */
    public SandboxTopology withLatency(Latency latency) {
        return new SandboxTopology(regions, flavors, images, currency, containerVcpuHourly, containerGibHourly, latency);
    }

    public List<Region> spiRegions() {
        return regions.stream()
                .map(region -> new Region(region.id(), region.zones().stream().map(ZoneSpec::id).toList()))
                .toList();
    }

    public Optional<RegionSpec> region(String id) {
        return regions.stream().filter(region -> region.id().equals(id)).findFirst();
    }

    public Optional<FlavorSpec> flavor(String id) {
        return flavors.stream().filter(flavor -> flavor.id().equals(id)).findFirst();
    }
}
