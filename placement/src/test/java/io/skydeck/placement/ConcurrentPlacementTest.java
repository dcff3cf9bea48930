package io.skydeck.placement;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ConcurrentPlacementTest {

    @Test
    void threadsPlacingAndReleasingAtOnceNeverOverCommitAHostNorCoLocateAntiAffinityMembers() throws Exception {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        List<Host> hosts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Host host = new Host("p" + i % 2, ProviderKind.SANDBOX, "r1", "z" + i % 4, "h" + i,
                    Resources.of(32, 65_536), HourlyRate.perVcpu(i % 2 == 0 ? "0.02" : "0.03"));
            hosts.add(host);
            engine.addHost(host);
        }
        int threads = 8;
        Set<String> live = ConcurrentHashMap.newKeySet();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int worker = t;
            workers.add(pool.submit(() -> {
                Random random = new Random(worker);
                List<String> mine = new ArrayList<>();
                start.await();
                // Enough demand to fill the inventory, so threads compete for the last free vCPUs.
                for (int i = 0; i < 3_000; i++) {
                    if (!mine.isEmpty() && random.nextInt(3) == 0) {
                        String id = mine.remove(random.nextInt(mine.size()));
                        live.remove(id);
                        engine.release(id);
                        continue;
                    }
                    String id = worker + "-" + i;
                    PlacementHints hints = random.nextBoolean()
                            ? PlacementHints.none().withAntiAffinityGroup("g" + random.nextInt(5)) : PlacementHints.none();
                    PlacementRequest request = new PlacementRequest(id, "t", Resources.of(1 + random.nextInt(8),
                            1024L * (1 + random.nextInt(16))), hints);
                    if (engine.place(request) instanceof PlacementDecision.Placed) {
                        mine.add(id);
                        live.add(id);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> w : workers) {
            w.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();

        Map<PlacementTarget, Resources> used = new HashMap<>();
        Map<String, Set<PlacementTarget>> antiHosts = new HashMap<>();
        for (String id : live) {
            Allocation a = engine.allocation(id).orElseThrow();
            used.merge(a.target(), a.demand(), Resources::plus);
            if (a.antiAffinityGroup() != null) {
                assertThat(antiHosts.computeIfAbsent(a.antiAffinityGroup(), g -> new HashSet<>()).add(a.target()))
                        .as("anti-affinity group %s has two members on %s", a.antiAffinityGroup(), a.target()).isTrue();
            }
        }
        for (Host host : hosts) {
            Resources onHost = used.getOrDefault(host.target(), Resources.NONE);
            assertThat(onHost.fitsIn(host.capacity())).as("%s holds %s", host.hostId(), onHost).isTrue();
            assertThat(engine.freeCapacity(host.target())).contains(host.capacity().minus(onHost));
        }
        assertThat(used).isNotEmpty();
    }
}
