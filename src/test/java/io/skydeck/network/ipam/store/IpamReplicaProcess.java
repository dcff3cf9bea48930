package io.skydeck.network.ipam.store;

import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One replica of {@link IpamTwoProcessesTest}, in a JVM of its own: an {@link IpamStore} on its
 * own pool, with 32 threads allocating in the networks the test registered, and every address it
 * was given written to a file, one line each ({@code network address owner}).
 *
 * <p>Arguments: url user password schema replicaName startAtEpochMillis outputFile network:zone...
 */
public final class IpamReplicaProcess {

    static final int THREADS = 32;
    static final int STEPS_PER_THREAD = 150;

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String user = args[1];
        String password = args[2];
        String schema = args[3];
        String replica = args[4];
        long startAt = Long.parseLong(args[5]);
        Path output = Path.of(args[6]);
        List<String[]> targets = new ArrayList<>();
        for (int i = 7; i < args.length; i++) {
            targets.add(args[i].split(":"));
        }
        List<String> lines = java.util.Collections.synchronizedList(new ArrayList<>());
        try (AgroalDataSource pool = AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                .connectionPoolConfiguration(p -> p.maxSize(12).acquisitionTimeout(Duration.ofSeconds(30))
                        .connectionFactoryConfiguration(f -> f.jdbcUrl(url).principal(new NamePrincipal(user))
                                .credential(new SimplePassword(password)).autoCommit(true)
                                .initialSql("SET search_path TO " + schema))));
             IpamStore store = new IpamStore(pool, Clock.systemUTC(), new IpamStore.Settings(Duration.ofMinutes(5), 2, 256, 64))) {
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    Random random = new Random(replica.hashCode() * 31L + thread);
                    start.await();
                    for (int step = 0; step < STEPS_PER_THREAD; step++) {
                        String[] target = targets.get(random.nextInt(targets.size()));
                        String zone = target[1];
                        String owner = replica + "-" + thread + "-" + step;
                        try {
                            Allocation a = store.allocate(UUID.fromString(target[0]), zone, zone + "-host-" + random.nextInt(8),
                                    new Owner("server", owner));
                            lines.add(target[0] + " " + a.address() + " " + owner);
                        } catch (IpamRefusal exhausted) {
                            lines.add(target[0] + " exhausted " + owner);
                        }
                    }
                    return null;
                }));
            }
            // Both processes start allocating at the same wall-clock moment.
            Thread.sleep(Math.max(0, startAt - System.currentTimeMillis()));
            start.countDown();
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            threads.shutdown();
        }
        try (BufferedWriter out = Files.newBufferedWriter(output)) {
            for (String line : lines) {
                out.write(line);
                out.newLine();
            }
        }
    }
}
