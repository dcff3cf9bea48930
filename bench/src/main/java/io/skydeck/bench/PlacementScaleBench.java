package io.skydeck.bench;

import io.skydeck.placement.Host;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementEngine;
import io.skydeck.placement.PlacementPolicy;
import io.skydeck.placement.PlacementRequest;

import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * How the cost of a decision grows with the fleet. For each fleet size the same request mix as
 * {@link PlacementBench} runs in a steady state: the fleet is first filled with {@code live × hosts}
 * placements (untimed), then every measured placement is followed by the release of the oldest
 * one, so each size is measured equally full (about 60 % of hosts in use with the default 10
 * placements per host) instead of the small fleet being measured full and the large one empty.
 *
 * <p>Only {@link PlacementEngine#place} calls are timed, one after another on one thread, as in
 * the service. {@code growth} is the mean time per decision at the largest fleet ÷ at the smallest.
 * Its last line is the figure line bench/README.md records.
 */
public final class PlacementScaleBench {

    private static final long DEADLINE_NANOS = 300_000_000_000L;

    private record Figures(int hosts, int requests, long placeNanos, long[] sortedLatencies, int unplaceable,
                           int hostsInUse) {
        double meanNanos() {
            return (double) placeNanos / requests;
        }

        long decisionsPerSecond() {
            return Math.round(requests / (placeNanos / 1e9));
        }
    }

    public static void main(String[] args) {
        Map<String, String> options = PlacementBench.options(args);
        int[] sizes = Arrays.stream(options.getOrDefault("hosts", "1000,10000,100000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int requests = Integer.parseInt(options.getOrDefault("requests", "100000"));
        int livePerHost = Integer.parseInt(options.getOrDefault("live-per-host", "10"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "100000"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        PlacementPolicy policy = PlacementPolicy.defaults();

        System.out.printf(Locale.ROOT, "jvm: %s %s (%s), gc: %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.vm.vendor"), PlacementBench.collectors());
        System.out.printf(Locale.ROOT, "jvm args: %s%n", ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.printf(Locale.ROOT, "cores: %d, max heap: %d MiB, load average: %.2f%n",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "parameters: hosts=%s, measured requests per size=%d, live placements per host=%d,"
                + " warmup=%d, seed=%d, policy=%s%n", Arrays.toString(sizes), requests, livePerHost, warmup, seed, policy);

        // JIT warm-up on a mid-sized fleet, thrown away.
        run(Math.min(10_000, sizes[sizes.length - 1]), warmup, livePerHost, seed + 1, policy, false);

        Figures[] figures = new Figures[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            System.gc();
            figures[k] = run(sizes[k], requests, livePerHost, seed, policy, true);
        }
        StringBuilder perSecond = new StringBuilder();
        StringBuilder hosts = new StringBuilder();
        for (int k = 0; k < figures.length; k++) {
            hosts.append(k == 0 ? "" : ",").append(figures[k].hosts());
            perSecond.append(k == 0 ? "" : ",").append(figures[k].decisionsPerSecond());
        }
        double growth = figures[figures.length - 1].meanNanos() / figures[0].meanNanos();
        System.out.printf(Locale.ROOT, "placement-scale hosts=%s decisions_per_s=%s growth=%.2f%n", hosts, perSecond, growth);
    }

    private static Figures run(int hostCount, int requests, int livePerHost, long seed, PlacementPolicy policy,
                               boolean report) {
        List<Host> inventory = PlacementBench.inventory(hostCount);
        PlacementEngine engine = PlacementBench.engine(policy, inventory);
        Random random = new Random(seed);
        int live = livePerHost * hostCount;
        ArrayDeque<String> placed = new ArrayDeque<>(live + 1);
        long fillStart = System.nanoTime();
        int next = 0;
        for (; next < live; next++) {
            PlacementRequest request = PlacementBench.request(next, random);
            if (engine.place(request) instanceof PlacementDecision.Placed) {
                placed.addLast(request.requestId());
            }
        }
        long fillNanos = System.nanoTime() - fillStart;
        int fillUse = engine.hostsInUse();

        long[] latencies = new long[requests];
        long total = 0;
        int unplaceable = 0;
        int measured = 0;
        long start = System.nanoTime();
        for (; measured < requests; measured++, next++) {
            PlacementRequest request = PlacementBench.request(next, random);
            long t0 = System.nanoTime();
            PlacementDecision decision = engine.place(request);
            long t1 = System.nanoTime();
            latencies[measured] = t1 - t0;
            total += t1 - t0;
            if (decision instanceof PlacementDecision.Placed) {
                placed.addLast(request.requestId());
            } else {
                unplaceable++;
            }
            while (placed.size() > live) {
                engine.release(placed.removeFirst());
            }
            if (t1 - start > DEADLINE_NANOS) {
                System.out.println("stopped at the deadline of " + DEADLINE_NANOS / 1_000_000_000 + " s");
                measured++;
                break;
            }
        }
        long[] sorted = Arrays.copyOf(latencies, measured);
        Arrays.sort(sorted);
        Figures f = new Figures(hostCount, measured, total, sorted, unplaceable, engine.hostsInUse());
        if (report) {
            System.out.printf(Locale.ROOT, "hosts %d: filled with %d placements in %.1f s (%d hosts in use); measured %d,"
                            + " unplaceable %d, hosts in use after %d (%.0f %%); %d decisions/s, mean %.4f ms,"
                            + " p50 %.4f ms, p99 %.4f ms, p99.9 %.4f ms, max %.4f ms%n",
                    hostCount, live, fillNanos / 1e9, fillUse, measured, unplaceable, f.hostsInUse(),
                    100.0 * f.hostsInUse() / hostCount, f.decisionsPerSecond(), f.meanNanos() / 1e6,
                    PlacementBench.percentile(sorted, 50) / 1e6, PlacementBench.percentile(sorted, 99) / 1e6,
                    PlacementBench.percentile(sorted, 99.9) / 1e6, sorted[sorted.length - 1] / 1e6);
        } else {
            System.out.printf(Locale.ROOT, "warm-up: %d hosts, %d placements in %.1f s%n", hostCount, live + measured,
                    (System.nanoTime() - fillStart) / 1e9);
        }
        return f;
    }
}
