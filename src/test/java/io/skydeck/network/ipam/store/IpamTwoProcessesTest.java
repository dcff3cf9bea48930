package io.skydeck.network.ipam.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.skydeck.network.address.Cidr;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof as it reads: two replicas — two JVMs, each with its own pool and
 * {@link IpamStore} — with 32 threads each allocating at once in the same networks, zones and
 * hosts. Nothing is released, so any address handed out twice over the whole run is a duplicate.
 * One network is small enough that its hosts run out of blocks, borrow from each other and then
 * exhaust it, the paths where two replicas meet the most.
 */
class IpamTwoProcessesTest {

    @Test
    void twoJvmsOf32ThreadsNeverHandOutOneAddressTwice(@TempDir Path dir) throws Exception {
        UUID large = UUID.randomUUID();
        UUID small = UUID.randomUUID();
        try (IpamSchema db = new IpamSchema()) {
            try (var pool = db.pool(2); IpamStore registrar = new IpamStore(pool, Clock.systemUTC(), IpamStore.Settings.defaults())) {
                registrar.register(large, Cidr.parse("10.8.0.0/16"), List.of("a", "b"), false);
                // A /24 over one zone: 16 /28 blocks of 16, less 5 reserved: 251 addresses for 8 hosts.
                registrar.register(small, Cidr.parse("192.168.9.0/24"), List.of("a"), false);
            }
            List<String> coordinates = db.coordinates();
            long startAt = System.currentTimeMillis() + 4_000;
            List<Process> replicas = new ArrayList<>();
            List<Path> outputs = new ArrayList<>();
            for (String name : List.of("r1", "r2")) {
                Path out = dir.resolve(name + ".txt");
                outputs.add(out);
                List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                        IpamReplicaProcess.class.getName()));
                command.addAll(coordinates);
                command.addAll(List.of(name, Long.toString(startAt), out.toString(), large + ":a", large + ":b", small + ":a"));
                replicas.add(new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile())
                        .start());
            }
            for (int i = 0; i < replicas.size(); i++) {
                Process p = replicas.get(i);
                boolean ended = p.waitFor(4, TimeUnit.MINUTES);
                if (!ended) {
                    p.destroyForcibly();
                }
                assertThat(ended).as("replica %d ended in time", i + 1).isTrue();
                assertThat(p.exitValue()).as("replica %d exit; its log: %s", i + 1, Files.readString(dir.resolve("r" + (i + 1) + ".log")))
                        .isZero();
            }

            Map<String, String> given = new HashMap<>();
            List<String> duplicates = new ArrayList<>();
            Map<String, Integer> perReplica = new HashMap<>();
            int exhausted = 0;
            for (Path out : outputs) {
                for (String line : Files.readAllLines(out)) {
                    String[] f = line.split(" ");
                    if (f[1].equals("exhausted")) {
                        assertThat(f[0]).as("only the small network runs out").isEqualTo(small.toString());
                        exhausted++;
                        continue;
                    }
                    perReplica.merge(out.getFileName().toString(), 1, Integer::sum);
                    String before = given.putIfAbsent(f[0] + "/" + f[1], f[2]);
                    if (before != null) {
                        duplicates.add(f[0] + "/" + f[1] + " given to " + before + " and " + f[2]);
                    }
                }
            }
            System.out.printf("two JVMs: %s addresses, %d refusals in the exhausted network%n", perReplica, exhausted);
            assertThat(duplicates).isEmpty();
            assertThat(perReplica).as("both replicas allocated").containsOnlyKeys("r1.txt", "r2.txt");
            assertThat(perReplica.values()).allSatisfy(n -> assertThat(n).isGreaterThan(2_000));
            assertThat(exhausted).as("the small network ran out").isPositive();
            assertThat(db.query("SELECT count(*) FROM ipam_address WHERE network_id = '" + small + "'")).isEqualTo(251);
            // Every address a replica was told it got is a committed row with its owner, and there are no others.
            assertThat(db.query("SELECT count(*) FROM ipam_address")).isEqualTo(given.size());
            assertThat(db.query("SELECT count(*) FROM (SELECT network_id, address FROM ipam_address GROUP BY 1, 2 HAVING count(*) > 1) d"))
                    .isZero();
        }
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }
}
