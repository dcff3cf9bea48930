package io.skydeck.bench;

import org.HdrHistogram.Histogram;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How late a thread that does nothing else wakes up on this machine: a loop of
 * {@code Thread.sleep(1)} for a number of seconds, each oversleep (wall time past the 1 ms asked
 * for) into a histogram. Run as a process of its own with a tiny heap, it sees what the machine
 * does to every process at that moment — the other processes' load, and the kernel's own work
 * (on these VMs a periodic DAMON memory scan; bench/README.md, "The machine's own stalls") — and
 * nothing of a harness's or a service's collector.
 *
 * <p>A stall is an oversleep of more than 3 ms; stalls less than 100 ms apart are one episode, and
 * the line gives the median time between episodes, which shows a periodic cause by its period.
 *
 * <p>{@code bench/run jitter [--seconds=10]} runs it alone; {@link #start} runs it beside a
 * measured phase.
 */
public final class JitterProbe {

    private static final long STALL_MICROS = 3_000;
    private static final long EPISODE_GAP_MICROS = 100_000;

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = BenchDatabase.options(args);
        Duration length = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "10")));
        System.out.println(measure(length));
    }

    /** Sleeps 1 ms at a time for {@code length}; returns the summary line. */
    static String measure(Duration length) throws InterruptedException {
        Histogram oversleep = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        List<Long> stallStarts = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + length.toNanos();
        long lastStall = Long.MIN_VALUE / 2;
        while (true) {
            long before = System.nanoTime();
            if (before >= end) {
                break;
            }
            Thread.sleep(1);
            long over = Math.max(0, (System.nanoTime() - before) / 1_000 - 1_000);
            oversleep.recordValue(Math.min(over, oversleep.getHighestTrackableValue()));
            long at = (before - start) / 1_000;
            if (over > STALL_MICROS) {
                if (at - lastStall > EPISODE_GAP_MICROS) {
                    stallStarts.add(at);
                }
                lastStall = at;
            }
        }
        long[] gaps = new long[Math.max(0, stallStarts.size() - 1)];
        for (int i = 1; i < stallStarts.size(); i++) {
            gaps[i - 1] = stallStarts.get(i) - stallStarts.get(i - 1);
        }
        Arrays.sort(gaps);
        String period = gaps.length == 0 ? "-" : String.format(Locale.ROOT, "%.0f", gaps[gaps.length / 2] / 1000.0);
        return String.format(Locale.ROOT, "jitter seconds=%d sleeps=%d oversleep_ms p50=%.2f p99=%.2f p999=%.2f max=%.2f "
                        + "stalled_sleeps=%d (over 3 ms) stall_episodes=%d median_gap_ms=%s",
                length.toSeconds(), oversleep.getTotalCount(), oversleep.getValueAtPercentile(50) / 1000.0,
                oversleep.getValueAtPercentile(99) / 1000.0, oversleep.getValueAtPercentile(99.9) / 1000.0,
                oversleep.getMaxValue() / 1000.0, oversleep.getCountBetweenValues(STALL_MICROS + 1, oversleep.getHighestTrackableValue()),
                stallStarts.size(), period);
    }

    /** A probe process for {@code length}, with this JVM's java and class path and a 16 MiB heap; {@link Running#line} waits for it. */
    static Running start(Duration length) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xms16m", "-Xmx16m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), JitterProbe.class.getName(), "--seconds=" + length.toSeconds())
                .redirectErrorStream(true).start();
        return new Running(p);
    }

    /** A probe started beside a phase. */
    record Running(Process process) {
        /** The probe's line, once it has ended (or a note that it did not say one). */
        String line() throws IOException, InterruptedException {
            String last = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    last = l;
                }
            }
            process.waitFor();
            return last != null && last.startsWith("jitter ") ? last : "jitter probe gave no figure (" + last + ")";
        }
    }
}
