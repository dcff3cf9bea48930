package io.skydeck.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.HdrHistogram.Histogram;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * An open-loop load generator: request i is due at start + i / rate whatever happened to the
 * ones before it, and its latency is counted from that due time, not from when it was actually
 * sent — so a stalled server shows as latency instead of as fewer requests (no coordinated
 * omission). Requests go over a bounded pool of keep-alive connections (Vert.x's HTTP client;
 * a request waits in its queue for a free connection, and that wait counts too). Latencies go
 * into an HdrHistogram (1 µs .. 60 s, 3 significant digits).
 */
final class FixedRateLoad implements AutoCloseable {
    record Call(HttpMethod method, String path, Map<String, String> headers, String body) {
    }

    /**
     * A phase's outcome. {@code latencyMicros} counts from each request's due time to its answer;
     * {@code lateMicros} from the due time to the moment this client handed the request to its
     * HTTP client — the part of a latency that is the load generator's own (its sending thread
     * woken late on a busy machine), not the server's.
     */
    record Result(String name, double rate, double achievedOkPerSecond, long sent, long ok, Map<Integer, Integer> byStatus,
                  long errors, Histogram latencyMicros, Histogram lateMicros) {
        double p(double percentile) {
            return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }

        /** The sending thread's lateness, for the phase line. */
        String lateness() {
            return String.format(java.util.Locale.ROOT, "client_send_late_ms p50=%.2f p99=%.2f max=%.2f",
                    lateMicros.getValueAtPercentile(50) / 1000.0, lateMicros.getValueAtPercentile(99) / 1000.0,
                    lateMicros.getMaxValue() / 1000.0);
        }
    }

    /** {@code -Dskydeck.bench.timeline=true}: each phase also prints its slowest answer per 100 ms. */
    private static final boolean TIMELINE = Boolean.getBoolean("skydeck.bench.timeline");
    private static final long TIMELINE_SLOT_NANOS = 100_000_000L;

    private final Vertx vertx = Vertx.vertx();
    private final String host;
    private final int port;
    private final int connections;
    private HttpClient http;

    FixedRateLoad(String host, int port, int connections) {
        this.host = host;
        this.port = port;
        this.connections = connections;
        this.http = client();
    }

    private HttpClient client() {
        return vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port).setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    }

    /**
     * Sends {@code call.apply(i)} at {@code rate} per second for {@code duration}, then waits
     * (at most 30 s) for the answers still out; those count as errors.
     */
    Result run(String name, double rate, Duration duration, IntFunction<Call> call, int okStatus) throws InterruptedException {
        var histogram = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        var late = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        var byStatus = new ConcurrentHashMap<Integer, AtomicInteger>();
        var ok = new AtomicLong();
        var errors = new AtomicLong();
        var outstanding = new AtomicLong();
        long total = (long) (rate * duration.toSeconds());
        long intervalNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        long[] timeline = TIMELINE ? new long[(int) (duration.toNanos() / TIMELINE_SLOT_NANOS) + 1] : null;
        for (int i = 0; i < total; i++) {
            long due = start + i * intervalNanos;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            Call c = call.apply(i);
            late.recordValue(Math.min(Math.max(0, (System.nanoTime() - due) / 1000), late.getHighestTrackableValue()));
            outstanding.incrementAndGet();
            var options = new RequestOptions().setMethod(c.method()).setURI(c.path());
            c.headers().forEach(options::addHeader);
            http.request(options)
                    .compose(request -> c.body() == null ? request.send() : request.send(Buffer.buffer(c.body())))
                    .compose(response -> response.body().map(body -> response.statusCode()))
                    .onComplete(outcome -> {
                        long micros = (System.nanoTime() - due) / 1000;
                        synchronized (histogram) {
                            histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
                            if (timeline != null) {
                                int slot = (int) ((due - start) / TIMELINE_SLOT_NANOS);
                                if (slot < timeline.length) {
                                    timeline[slot] = Math.max(timeline[slot], micros);
                                }
                            }
                        }
                        if (outcome.failed()) {
                            errors.incrementAndGet();
                        } else {
                            byStatus.computeIfAbsent(outcome.result(), s -> new AtomicInteger()).incrementAndGet();
                            if (outcome.result() == okStatus) {
                                ok.incrementAndGet();
                            }
                        }
                        outstanding.decrementAndGet();
                    });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long unanswered = outstanding.get();
        if (unanswered > 0) {
            // A server that fell behind leaves requests queued in the client's pool; the next phase would
            // wait behind them and measure nothing of its own. Drop them with the connections.
            System.out.printf("load %s: %d requests still unanswered 30 s after the phase (the server fell behind); "
                    + "the client's connections are reset so the next phase does not queue behind them%n", name, unanswered);
            HttpClient behind = http;
            http = client();
            behind.close();
        }
        if (timeline != null) {
            printTimeline(name, timeline);
        }
        var statuses = new TreeMap<Integer, Integer>();
        byStatus.forEach((k, v) -> statuses.put(k, v.get()));
        Histogram copy;
        synchronized (histogram) {
            copy = histogram.copy();
        }
        return new Result(name, rate, ok.get() / seconds, total, ok.get(), statuses, errors.get() + outstanding.get(), copy, late);
    }

    /** The slowest answer to a request due in each 100 ms of the phase, for finding where a tail comes from. */
    private static void printTimeline(String name, long[] timeline) {
        StringBuilder line = new StringBuilder("load " + name + " timeline (slowest ms per 100 ms slot, slots over 5 ms):");
        for (int slot = 0; slot < timeline.length; slot++) {
            if (timeline[slot] > 5_000) {
                line.append(String.format(java.util.Locale.ROOT, " %.1fs=%.0f", slot / 10.0, timeline[slot] / 1000.0));
            }
        }
        System.out.println(line);
    }

    /**
     * This load generator's JVM, for the header line: its options and collectors. Its collections
     * pause the timing of every request in flight, so how it collects belongs with the figures.
     */
    static String clientJvm() {
        var options = ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-X")).toList();
        var collectors = ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName).toList();
        return "client_jvm=" + String.join(" ", options) + " client_gc=" + String.join("+", collectors).replace(' ', '_');
    }

    @Override
    public void close() {
        http.close();
        vertx.close();
    }
}
