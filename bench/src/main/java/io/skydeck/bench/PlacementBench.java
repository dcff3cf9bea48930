package io.skydeck.bench;

import io.skydeck.placement.Host;
import io.skydeck.placement.HourlyRate;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementEngine;
import io.skydeck.placement.PlacementHints;
import io.skydeck.placement.PlacementPolicy;
import io.skydeck.placement.PlacementRequest;
import io.skydeck.placement.ProviderKind;
import io.skydeck.placement.Resources;

import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Placement harness: an inventory of hosts over 3 providers × 3 regions × 3 zones, a seeded
 * stream of mixed requests (flavors, GPU, region/zone/kind hints, price ceilings, allow-lists,
 * affinity and anti-affinity groups), a warm-up on a throw-away engine, then one measured pass
 * that times every decision. Requests are placed one after another, as the service's serialised
 * calls would be; nothing is released in the measured pass, so the hosts it leaves in use can be
 * compared with the lower bound of the demand it placed.
 *
 * <p>Its last line is the figure line, in the format bench/README.md records.
 */
public final class PlacementBench {

    private record Flavor(String name, int vcpu, long memoryMib, int gpu, int weightPercent) {
    }

    /** Sizes as a tenant picks them; weights sum to 100. */
    private static final List<Flavor> FLAVORS = List.of(
            new Flavor("small", 1, 2048, 0, 20), new Flavor("medium", 2, 4096, 0, 20),
            new Flavor("medium-mem", 2, 8192, 0, 14), new Flavor("large", 4, 8192, 0, 15),
            new Flavor("large-mem", 4, 16384, 0, 14), new Flavor("xlarge", 8, 32768, 0, 10),
            new Flavor("2xlarge", 16, 65536, 0, 5), new Flavor("gpu", 8, 65536, 1, 2));

    private static final String[] PROVIDERS = {"openstack-private", "aws-public", "k8s-platform"};
    private static final ProviderKind[] KINDS = {ProviderKind.OPENSTACK, ProviderKind.AWS, ProviderKind.KUBERNETES};
    private static final String[] REGIONS = {"eu-1", "eu-2", "ap-1"};
    private static final String[] ZONES = {"a", "b", "c"};
    private static final Resources HOST = Resources.of(64, 256 * 1024);
    private static final Resources GPU_HOST = Resources.of(64, 256 * 1024, 4);
    private static final long DEADLINE_NANOS = 120_000_000_000L;

    public static void main(String[] args) {
        Map<String, String> options = options(args);
        int hosts = Integer.parseInt(options.getOrDefault("hosts", "10000"));
        int requests = Integer.parseInt(options.getOrDefault("requests", "100000"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "100000"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        PlacementPolicy policy = new PlacementPolicy(
                Double.parseDouble(options.getOrDefault("cost-weight", "1.0")),
                Double.parseDouble(options.getOrDefault("packing-weight", "1.0")),
                PlacementPolicy.Packing.valueOf(options.getOrDefault("packing", "PACK")),
                Double.parseDouble(options.getOrDefault("gpu-reserve-weight", "1.0")));

        System.out.printf(Locale.ROOT, "jvm: %s %s (%s), gc: %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.vm.vendor"), collectors());
        System.out.printf(Locale.ROOT, "jvm args: %s%n", ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.printf(Locale.ROOT, "cores: %d, max heap: %d MiB%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20);
        System.out.printf(Locale.ROOT, "parameters: hosts=%d (3 providers x 3 regions x 3 zones, 64 vCPU/256 GiB,"
                        + " 1 in 20 with 4 GPU), requests=%d, warmup=%d, seed=%d, policy=%s%n",
                hosts, requests, warmup, seed, policy);

        List<Host> inventory = inventory(hosts);
        warmUp(policy, inventory, warmup, seed + 1);

        PlacementEngine engine = engine(policy, inventory);
        List<PlacementRequest> stream = requests(requests, new Random(seed));
        long[] latencies = new long[requests];
        Map<String, Integer> unplaceableBy = new TreeMap<>();
        long demandVcpu = 0, demandMemory = 0, demandGpu = 0;
        int placed = 0, measured = 0;
        long start = System.nanoTime();
        for (PlacementRequest request : stream) {
            long t0 = System.nanoTime();
            PlacementDecision decision = engine.place(request);
            long t1 = System.nanoTime();
            latencies[measured++] = t1 - t0;
            if (decision instanceof PlacementDecision.Placed) {
                placed++;
                demandVcpu += request.demand().vcpu();
                demandMemory += request.demand().memoryMib();
                demandGpu += request.demand().gpu();
            } else {
                decision.rejectedBy().forEach((filter, n) -> unplaceableBy.merge(filter, 1, Integer::sum));
            }
            if (t1 - start > DEADLINE_NANOS) {
                System.out.println("stopped at the deadline of " + DEADLINE_NANOS / 1_000_000_000 + " s");
                break;
            }
        }
        long elapsed = System.nanoTime() - start;

        long[] sorted = Arrays.copyOf(latencies, measured);
        Arrays.sort(sorted);
        long lowerBound = lowerBound(inventory, demandVcpu, demandMemory, demandGpu);
        int used = engine.hostsInUse();
        System.out.printf(Locale.ROOT, "placed %d of %d; unplaceable %d (requests naming each filter: %s)%n",
                placed, measured, measured - placed, unplaceableBy);
        System.out.printf(Locale.ROOT, "demand placed: %d vCPU, %d MiB, %d GPU; hosts used %d, lower bound %d%n",
                demandVcpu, demandMemory, demandGpu, used, lowerBound);
        System.out.printf(Locale.ROOT, "latency ms: p50 %.4f, p90 %.4f, p99 %.4f, p99.9 %.4f, max %.4f%n",
                ms(percentile(sorted, 50)), ms(percentile(sorted, 90)), ms(percentile(sorted, 99)),
                ms(percentile(sorted, 99.9)), ms(sorted[sorted.length - 1]));
        System.out.printf(Locale.ROOT, "placement decisions_per_s=%d p50_ms=%.3f p99_ms=%.3f hosts_used_ratio=%.3f%n",
                Math.round(measured / (elapsed / 1e9)), ms(percentile(sorted, 50)), ms(percentile(sorted, 99)),
                (double) used / lowerBound);
    }

    /** 3 × 3 × 3 zones, hosts dealt round-robin; every 20th host has GPUs. Providers differ in price. */
    static List<Host> inventory(int count) {
        HourlyRate[] rates = {
                HourlyRate.perVcpu("0.020"),
                awsPriceList(),
                HourlyRate.perVcpu("0.015")};
        List<Host> hosts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int zoneIndex = i % 27;
            int p = zoneIndex / 9, r = zoneIndex / 3 % 3, z = zoneIndex % 3;
            hosts.add(new Host(PROVIDERS[p], KINDS[p], REGIONS[r], ZONES[z], "h" + i,
                    i % 20 == 0 ? GPU_HOST : HOST, rates[p]));
        }
        return hosts;
    }

    /** The public cloud sells flavors: 0.045 per vCPU, GPU flavor at 0.90. */
    private static HourlyRate awsPriceList() {
        Map<String, BigDecimal> prices = new HashMap<>();
        for (Flavor f : FLAVORS) {
            prices.put(f.name(), f.gpu() > 0 ? new BigDecimal("0.90")
                    : new BigDecimal("0.045").multiply(BigDecimal.valueOf(f.vcpu())));
        }
        return new HourlyRate.PerFlavor(prices);
    }

    /**
     * The mix: 25 % name a region, 8 % a region and zone, 8 % a provider kind, 8 % a price ceiling
     * that excludes the public cloud, 5 % a two-provider allow-list; 10 % join affinity groups of
     * 4 and 10 % anti-affinity groups of 8, members arriving interleaved with other requests.
     */
    static List<PlacementRequest> requests(int count, Random random) {
        List<PlacementRequest> requests = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            requests.add(request(i, random));
        }
        return requests;
    }

    /** The i-th request of the mix; {@code i} names it and spaces its groups. */
    static PlacementRequest request(int i, Random random) {
        Flavor flavor = pick(random);
        String tenant = "t" + random.nextInt(50);
        PlacementHints hints = PlacementHints.none().withFlavor(flavor.name());
        int roll = random.nextInt(100);
        if (roll < 25) {
            hints = hints.inRegion(REGIONS[random.nextInt(3)]);
        } else if (roll < 33) {
            hints = hints.inRegion(REGIONS[random.nextInt(3)]).inZone(ZONES[random.nextInt(3)]);
        } else if (roll < 41) {
            hints = hints.withProviderKind(KINDS[random.nextInt(3)]);
        } else if (roll < 49) {
            hints = hints.withMaxHourlyPrice(new BigDecimal("0.030").multiply(BigDecimal.valueOf(flavor.vcpu())));
        }
        Set<String> allowed = roll >= 49 && roll < 54 ? Set.of(PROVIDERS[0], PROVIDERS[2]) : Set.of();
        int group = random.nextInt(100);
        if (group < 10) {
            hints = hints.withAffinityGroup("aff-" + (i / 40));
        } else if (group < 20) {
            hints = hints.withAntiAffinityGroup("anti-" + (i / 80));
        }
        return new PlacementRequest("r" + i, tenant, Resources.of(flavor.vcpu(), flavor.memoryMib(), flavor.gpu()),
                hints, allowed);
    }

    /**
     * Fewest hosts that could hold the demand: per dimension, take the largest hosts first until
     * their capacity covers the demand, and keep the largest count over the dimensions. With one
     * host shape this is the brief's ceil(demand ÷ per-host capacity); GPUs count GPU hosts only.
     * It ignores hints and groups, so it can only be lower than the true optimum.
     */
    static long lowerBound(List<Host> hosts, long vcpu, long memory, long gpu) {
        return Math.max(hostsToCover(hosts.stream().mapToLong(h -> h.capacity().vcpu()).toArray(), vcpu),
                Math.max(hostsToCover(hosts.stream().mapToLong(h -> h.capacity().memoryMib()).toArray(), memory),
                        hostsToCover(hosts.stream().mapToLong(h -> h.capacity().gpu()).toArray(), gpu)));
    }

    private static long hostsToCover(long[] capacities, long demand) {
        Arrays.sort(capacities);
        long covered = 0;
        int n = 0;
        for (int k = capacities.length - 1; k >= 0 && covered < demand; k--, n++) {
            covered += capacities[k];
        }
        return n;
    }

    /** Same mix with another seed on a throw-away engine, releasing as it goes so it never fills up. */
    private static void warmUp(PlacementPolicy policy, List<Host> inventory, int count, long seed) {
        PlacementEngine engine = engine(policy, inventory);
        List<PlacementRequest> stream = requests(count, new Random(seed));
        long start = System.nanoTime();
        for (int i = 0; i < stream.size(); i++) {
            engine.place(stream.get(i));
            if (i >= count / 2) {
                engine.release(stream.get(i - count / 2).requestId());
            }
        }
        System.out.printf(Locale.ROOT, "warm-up: %d decisions in %.1f s%n", count, (System.nanoTime() - start) / 1e9);
    }

    static PlacementEngine engine(PlacementPolicy policy, List<Host> inventory) {
        PlacementEngine engine = new PlacementEngine(policy);
        inventory.forEach(engine::addHost);
        return engine;
    }

    private static Flavor pick(Random random) {
        int roll = random.nextInt(100);
        for (Flavor f : FLAVORS) {
            roll -= f.weightPercent();
            if (roll < 0) {
                return f;
            }
        }
        throw new IllegalStateException("flavor weights must sum to 100");
    }

    static long percentile(long[] sorted, double p) {
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String collectors() {
        List<String> names = new ArrayList<>();
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> names.add(gc.getName()));
        return String.join(", ", names);
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options look like --hosts=10000, not " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }
}
