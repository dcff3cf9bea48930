package io.skydeck.bench;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import io.skydeck.network.ipam.store.IpamStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * The local IPAM ({@link IpamStore}, the class the service's Ipam bean wraps) against a central
 * allocator, both on the PostgreSQL of {@code SKYDECK_BENCH_DB_URL}, in a schema of the run's own
 * made from migrations V20 and V32, as the service's.
 *
 * <p><b>Local.</b> {@code networks} VPCs of /16, each over {@code zones} zones; {@code hosts} hosts
 * spread evenly over the zones. A warm-up (not timed) has every host take one address in every
 * network, so each host has claimed its first block everywhere; then rounds of {@code
 * warmup-seconds} on as many other VPCs until the JIT compilers are quiet (those VPCs are then
 * dropped), and 3 s of the timed loop untimed. Then {@code threads} threads take addresses for
 * {@code seconds}, each for a random host in a random network, through the service's path
 * ({@code --path=take}: {@link IpamStore#take}, a host's ready address, the reservations committed
 * by the group commit in the background; a caller whose host has none ready waits for its own) or
 * the older one ({@code --path=allocate}: each caller waits for its own committed row). The figure
 * is what the window sustained: takes less the net drop of the hosts' ready addresses. Blocks that
 * fill up in the timed window are claimed in it. Binding a taken address, the consumer's UPDATE in
 * its own transaction, is timed apart afterwards and is not in the figure.
 *
 * <p><b>Central</b> (the seed's bottleneck): one counter row per network, locked
 * {@code FOR UPDATE} for each allocation, and the address row inserted into a table shaped like
 * {@code ipam_address} in the same transaction, one commit per address; same threads, same
 * random networks, for {@code baseline-seconds}.
 *
 * <p>After the run, duplicates are counted by SQL, every returned address is checked to be a
 * committed row (count and distinctness), and the routes are counted from the routes view.
 */
public final class IpamBench {

    private IpamBench() {
    }

    public static void main(String[] args) throws Exception {
        try {
            measure(args);
        } catch (Exception | Error e) {
            // The callers' pool threads would keep the JVM alive: a failed run must end.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void measure(String[] args) throws Exception {
        Map<String, String> o = BenchDatabase.options(args);
        int hosts = Integer.parseInt(o.getOrDefault("hosts", "1000"));
        // 64 VPCs: at ~100,000 allocations/s the run hands out ~1.5 million addresses; 16 VPCs (1 million
        // addresses) ran out within the window, 32 ended three quarters full, with hosts borrowing.
        int networks = Integer.parseInt(o.getOrDefault("networks", "64"));
        int zones = Integer.parseInt(o.getOrDefault("zones", "2"));
        int threads = Integer.parseInt(o.getOrDefault("threads", "32"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "10"));
        int baselineSeconds = Integer.parseInt(o.getOrDefault("baseline-seconds", "5"));
        // The length of one JIT warm-up round.
        int warmupSeconds = Integer.parseInt(o.getOrDefault("warmup-seconds", "3"));
        int committers = Integer.parseInt(o.getOrDefault("committers", "1"));
        int maxBatch = Integer.parseInt(o.getOrDefault("max-batch", "512"));
        int poolSize = Integer.parseInt(o.getOrDefault("pool", "16"));
        long seed = Long.parseLong(o.getOrDefault("seed", "42"));
        // take: the service's path (a host's ready address, bound later in the consumer's transaction);
        // allocate: the older path, one committed row per caller before it returns (for comparison).
        boolean take = !"allocate".equals(o.getOrDefault("path", "take"));
        int ready = Integer.parseInt(o.getOrDefault("ready", "4"));
        int warmupMaxSeconds = Integer.parseInt(o.getOrDefault("warmup-max-seconds", "60"));
        double jitQuietShare = Double.parseDouble(o.getOrDefault("jit-quiet-share", "0.10"));
        BenchDatabase.deadline("ipam", Long.parseLong(o.getOrDefault("deadline-seconds", "600")));

        List<String> zoneNames = new ArrayList<>();
        for (int z = 0; z < zones; z++) {
            zoneNames.add("zone-" + (char) ('a' + z));
        }
        try (BenchDatabase db = BenchDatabase.create(); Connection c = db.connect()) {
            db.describe(c);
            System.out.printf(Locale.ROOT, "parameters: hosts=%d networks=%d (/16 each) zones=%d threads=%d seconds=%d warmup-seconds=%d"
                    + " baseline-seconds=%d committers=%d max-batch=%d pool=%d seed=%d path=%s ready=%d%n", hosts, networks, zones, threads,
                    seconds, warmupSeconds, baselineSeconds, committers, maxBatch, poolSize, seed, take ? "take" : "allocate", ready);
            BenchDatabase.execute(c, BenchDatabase.migration("V20__ipam.sql"));
            BenchDatabase.execute(c, BenchDatabase.migration("V32__ipam_without_owner_index.sql"));
            BenchDatabase.execute(c, BenchDatabase.migration("V58__ipam_bind_or_refuse.sql"));
            BenchDatabase.execute(c, "CREATE TABLE central_counter (network_id uuid PRIMARY KEY, next_offset bigint NOT NULL)",
                    "CREATE TABLE central_address (LIKE ipam_address INCLUDING ALL)");

            UUID[] nets = new UUID[networks];
            String[] hostNames = new String[hosts];
            String[] hostZones = new String[hosts];
            for (int h = 0; h < hosts; h++) {
                hostZones[h] = zoneNames.get(h % zones);
                hostNames[h] = "host-" + h;
            }
            double rate;
            Run local;
            long duplicates;
            long blocks;
            long routes = 0;
            try (AgroalDataSource pool = pool(db, poolSize);
                 IpamStore ipam = new IpamStore(pool, Clock.systemUTC(), new IpamStore.Settings(Duration.ofMinutes(5), committers, maxBatch, 16,
                         ready, Duration.ofMinutes(5)))) {
                Allocator allocator = (n, h, owner) -> take
                        ? ipam.take(nets[n], hostZones[h], hostNames[h]).allocation()
                        : ipam.allocate(nets[n], hostZones[h], hostNames[h], new Owner("server", owner));
                for (int n = 0; n < networks; n++) {
                    nets[n] = new UUID(0x5eed_0000_0000_4000L, n + 1L);
                    ipam.register(nets[n], Cidr.parse("10." + n + ".0.0/16"), zoneNames, false);
                }

                long warmStart = System.nanoTime();
                Run warm = run(threads, Long.MAX_VALUE, (thread, i, random) -> {
                    // thread t takes pairs t, t + threads, ...: every (network, host) once
                    long pair = thread + (long) i * threads;
                    if (pair >= (long) networks * hosts) {
                        return null;
                    }
                    int n = (int) (pair / hosts);
                    int h = (int) (pair % hosts);
                    return allocator.allocate(n, h, "warm-" + pair);
                }, seed);
                double warmSeconds = (System.nanoTime() - warmStart) / 1e9;
                long blocksAfterWarmUp = BenchDatabase.count(c, "ipam_block WHERE host IS NOT NULL");
                System.out.printf(Locale.ROOT, "warm-up (not timed): %d allocations, each host claiming its first block in each network:"
                        + " %.1f s, %.0f allocations/s, %d blocks claimed%n", warm.allocations, warmSeconds, warm.allocations / warmSeconds,
                        blocksAfterWarmUp);

                // The JIT first, on 16 other VPCs of the same shape, in rounds until the compiler threads use
                // at most jit-quiet-share of this JVM's CPU in a round (at most warmup-max-seconds): a window
                // timed while C2 works is a figure of C2. Those VPCs are then forgotten (their rows deleted and
                // vacuumed), so the timed VPCs open the window as full as with a single short warm-up: the
                // VPCs' address space, not the JIT, must decide how much borrowing the window sees.
                long pid = ProcessHandle.current().pid();
                Path self = Path.of("/proc/self/stat");
                UUID[] scratch = new UUID[networks];
                for (int n = 0; n < networks; n++) {
                    scratch[n] = new UUID(0x5eed_0000_0000_4000L, 1_000 + n);
                    ipam.register(scratch[n], Cidr.parse("10." + (100 + n) + ".0.0/16"), zoneNames, false);
                }
                Allocator scratchAllocator = (n, h, owner) -> take
                        ? ipam.take(scratch[n], hostZones[h], hostNames[h]).allocation()
                        : ipam.allocate(scratch[n], hostZones[h], hostNames[h], new Owner("server", owner));
                long warmedUntil = System.nanoTime() + warmupMaxSeconds * 1_000_000_000L;
                for (int round = 1; ; round++) {
                    long jitBefore = JitCompilers.cpu(pid).toMillis();
                    long[] cpu0 = JitCompilers.cpuTicks(self);
                    Run r = run(threads, System.nanoTime() + warmupSeconds * 1_000_000_000L, (thread, i, random) -> {
                        int n = random.nextInt(networks);
                        int h = random.nextInt(hosts);
                        return scratchAllocator.allocate(n, h, "j" + thread + "-" + i);
                    }, seed + 100 + round);
                    long[] cpu1 = JitCompilers.cpuTicks(self);
                    double jit = JitCompilers.cpu(pid).toMillis() - jitBefore;
                    double all = cpu0 == null || cpu1 == null ? 0 : (cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]) * 10.0;
                    double share = all <= 0 ? 0 : jit / all;
                    System.out.printf(Locale.ROOT, "JIT warm-up round %d (not timed, other VPCs): %d allocations in %.1f s = %.0f"
                            + " allocations/s; JIT compilers %.0f%% of this JVM's CPU%n", round, r.allocations, r.seconds,
                            r.allocations / r.seconds, 100 * share);
                    if (share <= jitQuietShare || System.nanoTime() > warmedUntil) {
                        break;
                    }
                }
                Thread.sleep(1000); // the last reservations of those VPCs commit
                for (UUID n : scratch) {
                    ipam.forget(n);
                }
                BenchDatabase.execute(c, "VACUUM (ANALYZE) ipam_address", "VACUUM (ANALYZE) ipam_block");

                // Then the timed loop itself on the timed VPCs, untimed, as before the rounds above existed.
                Run steady = run(threads, System.nanoTime() + 3 * 1_000_000_000L, (thread, i, random) -> {
                    int n = random.nextInt(networks);
                    int h = random.nextInt(hosts);
                    return allocator.allocate(n, h, "w" + thread + "-" + i);
                }, seed + 2);
                System.out.printf(Locale.ROOT, "warm-up (not timed): %d allocations in %.1f s = %.0f allocations/s%n", steady.allocations,
                        steady.seconds, steady.allocations / steady.seconds);
                warm = new Run(warm.allocations + steady.allocations, 0, warm.latency, concat(warm.addresses, steady.addresses), 0);

                BenchDatabase.checkpoint(c);
                long commitsBefore = commits(c);
                long[] cpuBefore = processCpuTicks();
                long jitInWindow = JitCompilers.cpu(pid).toMillis();
                long readyBefore = ipam.readyCount();
                java.time.LocalTime opened = java.time.LocalTime.now(java.time.ZoneOffset.UTC).withNano(0);
                long deadline = System.nanoTime() + seconds * 1_000_000_000L;
                local = run(threads, deadline, (thread, i, random) -> {
                    int n = random.nextInt(networks);
                    int h = random.nextInt(hosts);
                    return allocator.allocate(n, h, "t" + thread + "-" + i);
                }, seed);
                long readyAtEnd = ipam.readyCount();
                System.out.printf(Locale.ROOT, "local: timed window %s-%s UTC%n", opened,
                        java.time.LocalTime.now(java.time.ZoneOffset.UTC).withNano(0));
                long[] cpuAfter = processCpuTicks();
                jitInWindow = JitCompilers.cpu(pid).toMillis() - jitInWindow;
                Thread.sleep(1500); // the statistics collector reports commits with up to a second of delay
                long commitsAfter = commits(c);
                // Addresses handed out of the stock reserved before the window do not count: the figure is
                // what the window itself sustained (takes less the net drop of the hosts' ready addresses).
                long drawnFromStock = Math.max(0, readyBefore - readyAtEnd);
                rate = (local.allocations - drawnFromStock) / local.seconds;
                if (take) {
                    System.out.printf(Locale.ROOT, "local: ready addresses over all hosts: %d when the window opened, %d when it closed;"
                            + " %d takes less %d drawn from that stock = %d in the figure%n", readyBefore, readyAtEnd, local.allocations,
                            drawnFromStock, local.allocations - drawnFromStock);
                }
                blocks = BenchDatabase.count(c, "ipam_block WHERE host IS NOT NULL");
                System.out.printf(Locale.ROOT, "local: %d allocations in %.2f s by %d threads = %.0f allocations/s sustained; latency us p50=%d p90=%d"
                        + " p99=%d p99.9=%d max=%d%n", local.allocations, local.seconds, threads, rate,
                        local.latency.getValueAtPercentile(50), local.latency.getValueAtPercentile(90),
                        local.latency.getValueAtPercentile(99), local.latency.getValueAtPercentile(99.9), local.latency.getMaxValue());
                System.out.printf(Locale.ROOT, "local: %d database commits in the timed window (all statements, approx.): %.1f allocations"
                        + " per commit; %d blocks claimed in the window, %d borrowed addresses%n", commitsAfter - commitsBefore,
                        local.allocations / (double) Math.max(1, commitsAfter - commitsBefore), blocks - blocksAfterWarmUp, local.borrowed);

                if (cpuBefore != null && cpuAfter != null) {
                    // Clock ticks of 10 ms (USER_HZ = 100 on Linux).
                    System.out.printf(Locale.ROOT, "local: this JVM's CPU in the timed window: user %.1f s, system %.1f s, of which JIT"
                            + " compilers %.1f s (%.0f us per allocation)%n", (cpuAfter[0] - cpuBefore[0]) / 100.0,
                            (cpuAfter[1] - cpuBefore[1]) / 100.0, jitInWindow / 1000.0,
                            (cpuAfter[0] - cpuBefore[0] + cpuAfter[1] - cpuBefore[1]) * 10_000.0 / local.allocations);
                }

                // Checks: by SQL, and every address a caller got is a committed row, once; with take, the
                // other rows are exactly the hosts' ready addresses.
                long rows = BenchDatabase.count(c, "ipam_address WHERE network_id = ANY (ARRAY[" + Arrays.stream(nets)
                        .map(n -> "'" + n + "'::uuid").collect(java.util.stream.Collectors.joining(",")) + "])");
                long readyLeft = ipam.readyCount();
                duplicates = query(c, "SELECT count(*) - count(DISTINCT (network_id, address)) FROM ipam_address");
                long[] returned = concat(warm.addresses, local.addresses);
                Arrays.sort(returned);
                long repeated = 0;
                for (int i = 1; i < returned.length; i++) {
                    if (returned[i] == returned[i - 1]) {
                        repeated++;
                    }
                }
                for (UUID n : nets) {
                    routes += ipam.routes(n).size();
                }
                System.out.printf(Locale.ROOT, "checks: rows=%d returned=%d ready=%d returned twice=%d duplicates by SQL=%d; blocks=%d routes=%d%n",
                        rows, returned.length, readyLeft, repeated, duplicates, blocks, routes);
                if (rows != returned.length + readyLeft || repeated != 0 || duplicates != 0 || routes != blocks) {
                    System.out.println("ipam: CHECK FAILED");
                    System.exit(1);
                }
                if (take) {
                    bindCost(ipam, pool, nets, hostZones, hostNames, seed + 3);
                }

            }

            // The baseline after the IPAM's pool is closed, on a pool of its own with a connection per thread,
            // committing asynchronously as the IPAM does: the ratio is the design's (a lock and a commit per
            // address against local blocks and group commit), not the WAL flush's.
            BenchDatabase.checkpoint(c);
            Run central;
            try (AgroalDataSource pool = pool(db, threads, "SET synchronous_commit TO off")) {
                central = baseline(db, pool, threads, baselineSeconds, nets, seed);
            }
            double centralRate = central.allocations / central.seconds;
            System.out.printf(Locale.ROOT, "central (one row per network FOR UPDATE, one asynchronous commit per address, %d connections): %d allocations"
                    + " in %.2f s = %.0f allocations/s; latency us p50=%d p99=%d max=%d%n", threads, central.allocations, central.seconds,
                    centralRate, central.latency.getValueAtPercentile(50), central.latency.getValueAtPercentile(99),
                    central.latency.getMaxValue());
            System.out.printf(Locale.ROOT, "ratio local/central: %.1fx; target >= 50,000 allocations/s: %s%n", rate / centralRate,
                    rate >= 50_000 ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "ipam allocations_per_s=%.0f p99_us=%d duplicates=%d hosts=%d blocks=%d routes=%d%n", rate,
                    local.latency.getValueAtPercentile(99), duplicates, hosts, blocks, routes);
        }
        System.exit(0);
    }

    /**
     * What the figure leaves to the consumer: binding a taken address to its owner, in the consumer's
     * own transaction — the statement a server's create sends in its last round trip
     * ({@link IpamStore#BIND_OR_REFUSE}, V58's {@code ipam_bind}). Timed here apart, 2,000 binds on
     * one connection, each in a transaction of its own, the statement sent alone; only the statement
     * is timed, not the commit.
     */
    private static void bindCost(IpamStore ipam, AgroalDataSource pool, UUID[] nets, String[] zones, String[] hosts, long seed)
            throws SQLException {
        SplittableRandom random = new SplittableRandom(seed);
        Histogram latency = new Histogram(60_000_000L, 3);
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            for (int i = 0; i < 2_000; i++) {
                int n = random.nextInt(nets.length);
                int h = random.nextInt(hosts.length);
                IpamStore.Reservation r = ipam.take(nets[n], zones[h], hosts[h]);
                Object[] parameters = ipam.bindParameters(r, new Owner("server", "bound-" + i));
                long began = System.nanoTime();
                try (PreparedStatement bind = c.prepareStatement(IpamStore.BIND_OR_REFUSE)) {
                    for (int p = 0; p < parameters.length; p++) {
                        bind.setObject(p + 1, parameters[p]);
                    }
                    bind.execute(); // raises when a fresh reservation did not bind
                }
                latency.recordValue(Math.max(1, (System.nanoTime() - began) / 1000));
                c.commit();
            }
            c.setAutoCommit(true);
        }
        System.out.printf(Locale.ROOT, "bind (in the consumer's transaction, not in the figure): 2000 ipam_bind calls, us p50=%d p99=%d mean=%.0f%n",
                latency.getValueAtPercentile(50), latency.getValueAtPercentile(99), latency.getMean());
    }

    /** One allocation through the path under test, for host {@code h} in network {@code n}. */
    interface Allocator {
        Allocation allocate(int n, int h, String owner) throws Exception;
    }

    interface Step {
        /** The i-th allocation of a thread; null when the thread has nothing more to do. */
        Allocation allocate(int thread, int i, SplittableRandom random) throws Exception;
    }

    /** What a set of threads did: how many allocations, how long, their latencies and addresses (network index in the high bits). */
    record Run(long allocations, double seconds, Histogram latency, long[] addresses, long borrowed) {
    }

    /** A zone ran out: the run no longer measures allocation from local blocks. */
    static RuntimeException outOfRoom(IpamRefusal refusal) {
        return new IllegalStateException("the VPCs ran out of room (" + refusal.getMessage() + "): this harness times allocation"
                + " from local blocks; run it with more --networks", refusal);
    }

    private static Run run(int threads, long deadlineNanos, Step step, long seed) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<long[]>> futures = new ArrayList<>();
        Histogram[] histograms = new Histogram[threads];
        long[] borrowed = new long[threads];
        for (int t = 0; t < threads; t++) {
            int thread = t;
            histograms[t] = new Histogram(60_000_000L, 3);
            futures.add(pool.submit(() -> {
                SplittableRandom random = new SplittableRandom(seed * 1_000_003 + thread);
                long[] addresses = new long[1 << 16];
                int count = 0;
                start.await();
                for (int i = 0; System.nanoTime() < deadlineNanos; i++) {
                    long began = System.nanoTime();
                    Allocation a;
                    try {
                        a = step.allocate(thread, i, random);
                    } catch (IpamRefusal refusal) {
                        throw outOfRoom(refusal);
                    }
                    if (a == null) {
                        break;
                    }
                    histograms[thread].recordValue(Math.max(1, (System.nanoTime() - began) / 1000));
                    if (count == addresses.length) {
                        addresses = Arrays.copyOf(addresses, count * 2);
                    }
                    // Networks are 10.n.0.0/16, so the address alone names its network.
                    addresses[count++] = a.address().lo();
                    if (a.borrowed()) {
                        borrowed[thread]++;
                    }
                }
                return Arrays.copyOf(addresses, count);
            }));
        }
        long began = System.nanoTime();
        start.countDown();
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> f : futures) {
            all.add(f.get());
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        pool.shutdown();
        Histogram latency = new Histogram(60_000_000L, 3);
        for (Histogram h : histograms) {
            latency.add(h);
        }
        long[] addresses = concat(all.toArray(new long[0][]));
        return new Run(addresses.length, seconds, latency, addresses, Arrays.stream(borrowed).sum());
    }

    /** The central allocator: each allocation locks its network's counter row and commits one address row. */
    private static Run baseline(BenchDatabase db, AgroalDataSource pool, int threads, int seconds, UUID[] nets, long seed) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("INSERT INTO central_counter VALUES (?, 0)")) {
            for (UUID n : nets) {
                s.setObject(1, n);
                s.addBatch();
            }
            s.executeBatch();
        }
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        return run(threads, deadline, (thread, i, random) -> {
            int n = random.nextInt(nets.length);
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try (PreparedStatement lock = c.prepareStatement("SELECT next_offset FROM central_counter WHERE network_id = ? FOR UPDATE");
                     PreparedStatement bump = c.prepareStatement("UPDATE central_counter SET next_offset = next_offset + 1 WHERE network_id = ?");
                     PreparedStatement insert = c.prepareStatement("INSERT INTO central_address (network_id, address, block_index, host,"
                             + " owner_type, owner_id, allocated_at) VALUES (?, ?::inet + ?, 0, 'central', 'server', ?, now())")) {
                    lock.setObject(1, nets[n]);
                    long offset;
                    try (ResultSet rs = lock.executeQuery()) {
                        rs.next();
                        offset = rs.getLong(1);
                    }
                    bump.setObject(1, nets[n]);
                    bump.executeUpdate();
                    String base = "10." + n + ".0.0";
                    insert.setObject(1, nets[n]);
                    insert.setString(2, base);
                    insert.setLong(3, offset);
                    insert.setString(4, "c" + thread + "-" + i);
                    insert.executeUpdate();
                    c.commit();
                    IpAddress address = IpAddress.parse(base).plus(offset);
                    return new Allocation(address, Cidr.containing(address, 26), "central", "central", "central");
                } finally {
                    c.setAutoCommit(true);
                }
            }
        }, seed + 1);
    }

    private static AgroalDataSource pool(BenchDatabase db, int size) throws SQLException {
        return pool(db, size, null);
    }

    private static AgroalDataSource pool(BenchDatabase db, int size, String setting) throws SQLException {
        String user = BenchDatabase.env("SKYDECK_BENCH_DB_USER", "postgres");
        String password = BenchDatabase.env("SKYDECK_BENCH_DB_PASSWORD", "");
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(p -> p.maxSize(size).acquisitionTimeout(Duration.ofSeconds(60))
                        .connectionFactoryConfiguration(f -> f.jdbcUrl(db.url).principal(new NamePrincipal(user))
                                .credential(new SimplePassword(password)).autoCommit(true)
                                .initialSql("SET search_path TO " + db.schema + (setting == null ? "" : "; " + setting)))));
    }

    /** This process's user and system CPU in clock ticks, from /proc (null elsewhere). */
    private static long[] processCpuTicks() {
        return JitCompilers.cpuTicks(java.nio.file.Path.of("/proc/self/stat"));
    }

    private static long commits(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_stat_clear_snapshot()");
        }
        return query(c, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
    }

    private static long query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long[] concat(long[]... parts) {
        int n = 0;
        for (long[] p : parts) {
            n += p.length;
        }
        long[] all = new long[n];
        int at = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
