package io.skydeck.network.ipam.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.agroal.api.AgroalDataSource;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.ipam.Allocation;
import io.skydeck.network.ipam.IpamRefusal;
import io.skydeck.network.ipam.Owner;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two replicas (two IpamStores, each with its own connection pool, as two service JVMs have) ×
 * 32 threads each allocate and release at once in the same networks, zones and hosts. One network
 * is large (hosts claim blocks); the other is small enough that hosts run out of blocks, borrow,
 * and then exhaust it. The quarantine is zero so that released addresses are handed out again
 * during the run.
 */
class IpamTwoReplicasTest {

    static final int THREADS_PER_REPLICA = 32;
    static final int STEPS_PER_THREAD = 250;
    static final List<String> ZONES = List.of("a", "b", "c");

    @Test
    void twoReplicasOf32ThreadsNeverHandOutOneAddressTwiceAndCommitEveryAllocation() throws Exception {
        run(false);
    }

    /**
     * The service's path: take an address (a host's ready one, usually) and bind it in the caller's
     * own transaction, one in ten of which rolls back and gives the address back.
     */
    @Test
    void twoReplicasOf32ThreadsTakingAndBindingInTheirOwnTransactionsNeverShareAnAddress() throws Exception {
        run(true);
    }

    private void run(boolean takeAndBind) throws Exception {
        UUID large = UUID.randomUUID();
        UUID small = UUID.randomUUID();
        try (IpamSchema db = new IpamSchema();
             AgroalDataSource poolA = db.pool(12);
             AgroalDataSource poolB = db.pool(12);
             IpamStore replicaA = new IpamStore(poolA, Clock.systemUTC(), new IpamStore.Settings(Duration.ZERO, 2, 256, 64));
             IpamStore replicaB = new IpamStore(poolB, Clock.systemUTC(), new IpamStore.Settings(Duration.ZERO, 2, 256, 64))) {
            replicaA.register(large, Cidr.parse("10.0.0.0/16"), ZONES, false);
            // A /24 over one zone: 16 /28 blocks of 16, less 5 reserved: 251 addresses for 24 hosts.
            replicaB.register(small, Cidr.parse("192.168.7.0/24"), List.of("a"), false);

            // Who holds each address right now, by this test's account: an allocation that returns an
            // address somebody still holds is a duplicate, whatever the database says.
            Map<String, String> holder = new ConcurrentHashMap<>();
            List<String> duplicates = new ArrayList<>();
            AtomicInteger allocations = new AtomicInteger();
            AtomicInteger releases = new AtomicInteger();
            AtomicInteger smallExhausted = new AtomicInteger();
            AtomicInteger borrowed = new AtomicInteger();
            AtomicInteger givenBack = new AtomicInteger();
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService threads = Executors.newFixedThreadPool(2 * THREADS_PER_REPLICA);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2 * THREADS_PER_REPLICA; t++) {
                IpamStore replica = t % 2 == 0 ? replicaA : replicaB;
                AgroalDataSource pool = t % 2 == 0 ? poolA : poolB;
                int thread = t;
                done.add(threads.submit(() -> {
                    Random random = new Random(thread);
                    List<String[]> mine = new ArrayList<>();
                    start.await();
                    for (int step = 0; step < STEPS_PER_THREAD; step++) {
                        if (!mine.isEmpty() && random.nextInt(4) == 0) {
                            String[] held = mine.remove(random.nextInt(mine.size()));
                            holder.remove(held[0] + "/" + held[1]);
                            assertThat(replica.release(UUID.fromString(held[0]), IpAddress.parse(held[1]))).isTrue();
                            releases.incrementAndGet();
                            continue;
                        }
                        boolean inSmall = random.nextInt(5) == 0;
                        String zone = inSmall ? "a" : ZONES.get(random.nextInt(3));
                        String host = zone + "-host-" + random.nextInt(8);
                        String owner = "t" + thread + "-" + step;
                        UUID network = inSmall ? small : large;
                        Allocation a;
                        try {
                            if (takeAndBind) {
                                IpamStore.Reservation r = replica.take(network, zone, host);
                                a = r.allocation();
                                try (Connection c = pool.getConnection()) {
                                    c.setAutoCommit(false);
                                    assertThat(replica.bind(c, r, new Owner("server", owner))).as("a fresh reservation binds").isTrue();
                                    if (random.nextInt(10) == 0) {
                                        c.rollback();
                                        replica.giveBack(r);
                                        givenBack.incrementAndGet();
                                        continue;
                                    }
                                    c.commit();
                                }
                            } else {
                                a = replica.allocate(network, zone, host, new Owner("server", owner));
                            }
                        } catch (IpamRefusal r) {
                            assertThat(inSmall).as("only the small network runs out").isTrue();
                            smallExhausted.incrementAndGet();
                            continue;
                        }
                        String key = network + "/" + a.address();
                        String before = holder.putIfAbsent(key, owner);
                        if (before != null) {
                            synchronized (duplicates) {
                                duplicates.add(key + " given to " + owner + " while " + before + " held it");
                            }
                        }
                        if (a.borrowed()) {
                            borrowed.incrementAndGet();
                        }
                        allocations.incrementAndGet();
                        mine.add(new String[] {network.toString(), a.address().toString(), owner});
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
            threads.shutdown();

            System.out.printf("two replicas%s: %d allocations (%d borrowed), %d releases, %d given back, %d refusals in the exhausted network%n",
                    takeAndBind ? " (take and bind)" : "", allocations.get(), borrowed.get(), releases.get(), givenBack.get(),
                    smallExhausted.get());
            assertThat(duplicates).isEmpty();
            assertThat(allocations.get()).as("allocations that returned").isGreaterThan(5_000);
            assertThat(releases.get()).isGreaterThan(1_000);
            assertThat(borrowed.get()).as("hosts of the small network borrowed").isPositive();
            assertThat(smallExhausted.get()).as("the small network ran out").isPositive();
            // Duplicates by SQL: two rows for one address of a network (the key forbids it; this says so).
            assertThat(db.query("SELECT count(*) FROM (SELECT network_id, address FROM ipam_address GROUP BY 1, 2 HAVING count(*) > 1) d"))
                    .isZero();
            // Every allocation that returned is committed, with its owner: the live rows are exactly the held addresses.
            Map<String, String> live = new HashMap<>();
            try (Connection c = db.connect(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT network_id, host(address), owner_id FROM ipam_address"
                         + " WHERE released_at IS NULL AND owner_type <> 'reserved'")) {
                while (rs.next()) {
                    live.put(rs.getString(1) + "/" + rs.getString(2), rs.getString(3));
                }
            }
            assertThat(live).isEqualTo(holder);
            // The rest of the live rows are the replicas' ready addresses, each held in one replica's memory.
            assertThat(db.query("SELECT count(*) FROM ipam_address WHERE released_at IS NULL AND owner_type = 'reserved'"))
                    .isEqualTo((long) (replicaA.readyCount() + replicaB.readyCount()));
            if (takeAndBind) {
                assertThat(givenBack.get()).as("rolled-back binds").isPositive();
            }
            // Every address lies in a block of its host's zone; every claimed block is one route.
            assertThat(db.query("""
                    SELECT count(*) FROM ipam_address a JOIN ipam_block b USING (network_id, block_index)
                     WHERE split_part(a.host, '-', 1) <> b.zone OR NOT a.address <<= b.cidr OR b.host IS NULL""")).isZero();
            assertThat(replicaA.routes(large).size() + replicaB.routes(small).size())
                    .isEqualTo(db.query("SELECT count(*) FROM ipam_block WHERE host IS NOT NULL"));
            // The small network ended full: all 251 addresses handed out at some point, none twice at once.
            assertThat(db.query("SELECT count(*) FROM ipam_address WHERE network_id = '" + small + "'")).isEqualTo(251);
        }
    }
}
