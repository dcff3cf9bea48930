package io.skydeck.bench;

import io.skydeck.finance.metering.HourlyClose;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The service's hourly metering close ({@link HourlyClose}, the class the Quartz job calls) on a
 * small and a 10× larger history of lifecycle events, each in a schema of its own built from the
 * service's migrations. Each round inserts the same 10,000 new events into both and times one close
 * of each; the close's cost should follow the new events, not the history.
 */
public final class MeteringBench {

    static final Instant HISTORY_START = Instant.parse("2024-01-01T00:00:00Z");
    static final Instant HISTORY_END = Instant.parse("2024-01-21T00:00:00Z");
    static final Instant FLOOR = HISTORY_START;
    static final int TENANTS = 200;
    static final String[] FLAVORS = {"m1.small", "m1.medium", "m1.large", "m1.xlarge"};
    static final String COPY_EVENTS = "COPY lifecycle_event (id, tenant_id, resource_type, resource_id, kind, occurred_at, recorded_at,"
            + " provider, region, provider_resource_id, flavor, vcpu_millis, memory_mib, gpu, replicas) FROM STDIN";

    private MeteringBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchDatabase.options(args);
        int newEvents = Integer.parseInt(options.getOrDefault("new-events", "10000"));
        int history = Integer.parseInt(options.getOrDefault("history", "50000"));
        int factor = Integer.parseInt(options.getOrDefault("factor", "10"));
        int live = Integer.parseInt(options.getOrDefault("live", "1000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        BenchDatabase.deadline("metering", Long.parseLong(options.getOrDefault("deadline-seconds", "1200")));

        try (BenchDatabase smallDb = BenchDatabase.create(); BenchDatabase largeDb = BenchDatabase.create();
             Connection small = smallDb.connect(); Connection large = largeDb.connect()) {
            smallDb.describe(small);
            System.out.printf(Locale.ROOT, "parameters: new-events=%d history=%d (small) and %d (large) live=%d rounds=%d seed=%d%n",
                    newEvents, history, history * factor, live, rounds, seed);
            System.out.printf(Locale.ROOT, "large history in schema %s%n", largeDb.schema);
            History smallHistory = prepare(small, "small", history, live, seed);
            History largeHistory = prepare(large, "large", history * factor, live, seed);

            double[] smallSeconds = new double[rounds];
            double[] largeSeconds = new double[rounds];
            long lastNew = 0;
            for (int round = 1; round <= rounds; round++) {
                Instant closeAt = HISTORY_END.plus(Duration.ofHours(round)).plus(Duration.ofMinutes(5));
                // The same new events (same seed per round) into both histories, before anything is timed.
                insertNew(small, smallHistory, newEvents, closeAt, seed + round);
                insertNew(large, largeHistory, newEvents, closeAt, seed + round);
                boolean smallFirst = round % 2 == 1;
                for (int side = 0; side < 2; side++) {
                    boolean isSmall = (side == 0) == smallFirst;
                    Connection c = isSmall ? small : large;
                    BenchDatabase.checkpoint(c);
                    Timed t = timedClose(c, closeAt);
                    (isSmall ? smallSeconds : largeSeconds)[round - 1] = t.seconds;
                    System.out.printf(Locale.ROOT, "round %d: %-5s history %8d events: close %6.2f s  %s%n", round,
                            isSmall ? "small" : "large", isSmall ? smallHistory.events : largeHistory.events, t.seconds, t.result);
                    if (!isSmall) {
                        lastNew = t.result.newEvents();
                    }
                }
            }
            double bestSmall = min(smallSeconds);
            double bestLarge = min(largeSeconds);
            System.out.printf(Locale.ROOT, "best of %d rounds each: small %.2f s, large %.2f s; medians small %.2f s, large %.2f s%n",
                    rounds, bestSmall, bestLarge, median(smallSeconds), median(largeSeconds));
            System.out.printf(Locale.ROOT, "metering close_seconds=%.2f new_events=%d history_events=%d ratio_vs_small_history=%.2f%n",
                    bestLarge, lastNew, largeHistory.events, bestLarge / bestSmall);
        }
    }

    record Timed(double seconds, HourlyClose.Result result) {
    }

    static Timed timedClose(Connection c, Instant at) throws SQLException {
        c.setAutoCommit(false);
        long start = System.nanoTime();
        HourlyClose.Result result = new HourlyClose(Clock.fixed(at, ZoneOffset.UTC)).close(c, FLOOR);
        c.commit();
        double seconds = (System.nanoTime() - start) / 1e9;
        c.setAutoCommit(true);
        return new Timed(seconds, result);
    }

    /** The resources a history has, to give new events to some of the live ones. */
    static final class History {
        final List<UUID> live = new ArrayList<>();
        final List<Integer> liveTenants = new ArrayList<>();
        long events;
    }

    /**
     * Builds the schema, writes {@code events} history events (servers created and deleted within
     * the history's 20 days, 0.5 to 3 hours each, plus {@code live} still running) and meters them
     * with one untimed close at the history's end, as the hourly closes would have.
     */
    static History prepare(Connection c, String name, int events, int live, long seed) throws SQLException {
        long start = System.nanoTime();
        BenchDatabase.execute(c, BenchDatabase.migration("V1__platform.sql"), BenchDatabase.migration("V2__compute.sql"),
                BenchDatabase.migration("V4__usage.sql"), BenchDatabase.migration("V17__incremental_metering.sql"));
        BenchDatabase.execute(c, "INSERT INTO tenant SELECT ('00000000-0000-4000-8000-' || lpad(g::text, 12, '0'))::uuid, 'tenant-' || g,"
                + " 'Tenant ' || g, 'ACTIVE', now(), now(), 0 FROM generate_series(1, " + TENANTS + ") g",
                // Usage up to the history's start was metered before: the first close writes fresh hours (COPY).
                "UPDATE metering_watermark SET closed_until = '" + HISTORY_START + "'");
        History h = new History();
        Random random = new Random(seed);
        EventText text = new EventText();
        long span = Duration.between(HISTORY_START, HISTORY_END).toSeconds();
        int closed = Math.max(0, (events - live) / 2);
        for (int i = 0; i < closed; i++) {
            UUID resource = new UUID(seed * 31 + 1, i);
            Instant created = HISTORY_START.plusSeconds((long) (random.nextDouble() * (span - 4 * 3600)));
            Instant deleted = created.plusSeconds(1800 + random.nextInt(9000));
            String flavor = FLAVORS[random.nextInt(FLAVORS.length)];
            text.event(resource, i % TENANTS, "CREATED", created, flavor);
            text.event(resource, i % TENANTS, "DELETED", deleted, flavor);
        }
        for (int i = 0; i < live; i++) {
            UUID resource = new UUID(seed * 31 + 2, i);
            h.live.add(resource);
            h.liveTenants.add(i % TENANTS);
            text.event(resource, i % TENANTS, "CREATED", HISTORY_END.minusSeconds(3600 + random.nextInt(86_400)),
                    FLAVORS[random.nextInt(FLAVORS.length)]);
        }
        h.events = copy(c, text);
        double loaded = (System.nanoTime() - start) / 1e9;
        BenchDatabase.execute(c, "ANALYZE");
        Timed first = timedClose(c, HISTORY_END.plus(Duration.ofMinutes(5)));
        BenchDatabase.execute(c, "VACUUM ANALYZE");
        System.out.printf(Locale.ROOT, "%s history: %d events loaded in %.1f s; metered by a first close in %.1f s (not timed): %s;"
                        + " usage_record holds %d rows%n", name, h.events, loaded, first.seconds, first.result,
                BenchDatabase.count(c, "usage_record"));
        return h;
    }

    /**
     * New events of the hour before {@code closeAt}: new servers created in it (one in two deleted
     * within the hour, the others resized), and resizes of running servers.
     */
    static void insertNew(Connection c, History h, int count, Instant closeAt, long seed) throws SQLException {
        Random random = new Random(seed);
        EventText text = new EventText();
        Instant hourStart = closeAt.minus(Duration.ofHours(1));
        int resizesOfLive = Math.min(h.live.size(), count / 10);
        int created = (count - resizesOfLive) / 2;
        for (int i = 0; i < created; i++) {
            UUID resource = new UUID(seed * 31 + 3, i);
            int tenant = random.nextInt(TENANTS);
            Instant at = hourStart.plusSeconds(random.nextInt(1800));
            text.event(resource, tenant, "CREATED", at, FLAVORS[random.nextInt(FLAVORS.length)]);
            if (i % 2 == 0) {
                text.event(resource, tenant, "DELETED", at.plusSeconds(60 + random.nextInt(1700)), "m1.small");
            } else {
                text.event(resource, tenant, "RESIZED", at.plusSeconds(60 + random.nextInt(1700)), "m1.large");
                h.live.add(resource);
                h.liveTenants.add(tenant);
            }
        }
        for (int i = 0; i < resizesOfLive; i++) {
            int pick = random.nextInt(h.live.size());
            text.event(h.live.get(pick), h.liveTenants.get(pick), "RESIZED", hourStart.plusSeconds(random.nextInt(3600)), FLAVORS[random.nextInt(FLAVORS.length)]);
        }
        h.events += copy(c, text);
    }

    static long copy(Connection c, EventText text) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(true);
        CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(COPY_EVENTS);
        byte[] bytes = text.sb.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(bytes, 0, bytes.length);
        long n = in.endCopy();
        c.setAutoCommit(auto);
        return n;
    }

    /** lifecycle_event rows in COPY text; a resource's tenant is taken from its first event's tenant number. */
    static final class EventText {
        final StringBuilder sb = new StringBuilder();

        void event(UUID resource, int tenant, String kind, Instant at, String flavor) {
            int vcpus = switch (flavor) {
                case "m1.small" -> 1;
                case "m1.medium" -> 2;
                case "m1.large" -> 4;
                default -> 8;
            };
            String tenantId = String.format(Locale.ROOT, "00000000-0000-4000-8000-%012d", (tenant % TENANTS) + 1);
            sb.append(UUID.randomUUID()).append('\t').append(tenantId).append("\tserver\t").append(resource).append('\t')
                    .append(kind).append('\t').append(at).append('\t').append(at).append("\tsandbox\tsbx-east-1\t")
                    .append("srv-").append(resource.toString(), 24, 36).append('\t').append(flavor).append('\t')
                    .append(vcpus * 1000).append('\t').append(vcpus * 2048).append("\t0\t1\n");
        }
    }

    static double min(double[] xs) {
        double m = Double.MAX_VALUE;
        for (double x : xs) {
            m = Math.min(m, x);
        }
        return m;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
