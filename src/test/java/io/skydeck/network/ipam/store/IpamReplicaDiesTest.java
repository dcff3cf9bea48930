package io.skydeck.network.ipam.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.Owner;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A replica dies in the middle of its commits: its database sessions are cut while its threads
 * allocate, next to a live replica allocating for the same hosts; then it comes back with an empty
 * memory. Nothing it had only in memory may matter: no address is handed out twice, and every
 * address a caller was given is a committed row with that caller as owner. Commits whose answer
 * was lost with the sessions end as a failure the caller sees (their rows may or may not be
 * stored; the owner's compensation releases them), never as a silent success.
 */
class IpamReplicaDiesTest {

    @Test
    void aReplicaCutOffMidCommitAndRestartedNeverCausesADuplicate() throws Exception {
        UUID network = UUID.randomUUID();
        Map<String, String> given = new ConcurrentHashMap<>();
        List<String> duplicates = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failedOnDyingReplica = new AtomicInteger();
        try (IpamSchema db = new IpamSchema(); AgroalDataSource livePool = db.pool(8, "replica-live");
             IpamStore live = new IpamStore(livePool, Clock.systemUTC(), new IpamStore.Settings(Duration.ofMinutes(5), 2, 256, 64))) {
            live.register(network, Cidr.parse("10.20.0.0/16"), List.of("a"), false);
            AgroalDataSource dyingPool = db.pool(8, "replica-dying");
            IpamStore dying = new IpamStore(dyingPool, Clock.systemUTC(), new IpamStore.Settings(Duration.ofMinutes(5), 2, 256, 64));

            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService threads = Executors.newFixedThreadPool(32);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                boolean onDying = t % 2 == 0;
                int thread = t;
                done.add(threads.submit(() -> {
                    Random random = new Random(thread);
                    for (int i = 0; !stop.get(); i++) {
                        String owner = "t" + thread + "-" + i;
                        Allocation a;
                        try {
                            a = (onDying ? dying : live).allocate(network, "a", "host-" + random.nextInt(6), new Owner("server", owner));
                        } catch (RuntimeException e) {
                            assertThat(onDying).as("only the dying replica fails: %s", e).isTrue();
                            failedOnDyingReplica.incrementAndGet();
                            return null;
                        }
                        String before = given.putIfAbsent(a.address().toString(), owner);
                        if (before != null) {
                            duplicates.add(a.address() + " to " + owner + " and " + before);
                        }
                    }
                    return null;
                }));
            }
            Thread.sleep(700);
            // The replica "dies": every session it has is cut by the server, mid-statement or not.
            try (Connection c = db.connect(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'replica-dying'");
            }
            Thread.sleep(300);
            dying.close();
            dyingPool.close();
            Thread.sleep(300);

            // It comes back: a new store on a new pool, nothing in memory, allocating for the same hosts.
            try (AgroalDataSource againPool = db.pool(8, "replica-again");
                 IpamStore again = new IpamStore(againPool, Clock.systemUTC(), new IpamStore.Settings(Duration.ofMinutes(5), 2, 256, 64))) {
                for (int i = 0; i < 300; i++) {
                    String owner = "again-" + i;
                    Allocation a = again.allocate(network, "a", "host-" + (i % 6), new Owner("server", owner));
                    String before = given.putIfAbsent(a.address().toString(), owner);
                    if (before != null) {
                        duplicates.add(a.address() + " to " + owner + " and " + before);
                    }
                }
            }
            stop.set(true);
            for (Future<?> f : done) {
                f.get(1, TimeUnit.MINUTES);
            }
            threads.shutdown();

            assertThat(duplicates).isEmpty();
            assertThat(failedOnDyingReplica.get()).as("the dying replica's callers were told").isPositive();
            Map<String, String> rows = new HashMap<>();
            try (Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT host(address), owner_id FROM ipam_address")) {
                while (rs.next()) {
                    rows.put(rs.getString(1), rs.getString(2));
                }
            }
            // Every address given is stored with the caller it was given to.
            given.forEach((address, owner) -> assertThat(rows.get(address)).as(address).isEqualTo(owner));
            assertThat(rows.size() - given.size()).as("rows whose caller saw a failure").isLessThanOrEqualTo(failedOnDyingReplica.get() * 256);
            System.out.printf("replica dies: %d addresses given, %d rows, %d callers of the dying replica saw a failure%n",
                    given.size(), rows.size(), failedOnDyingReplica.get());
        }
    }
}
