package io.skydeck.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.skydeck.connectors.sandbox.SandboxTopology;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * bench/run soak: two replicas of the packaged service on one PostgreSQL database of the run's
 * own and one shared sandbox (operations take seconds, like a real cloud), tenants' creates,
 * resizes, deletes and scales against them through a client that fails over like a load
 * balancer — while every ~10 s one replica is killed with SIGKILL and started again. Bounded in
 * time and operations. When the load stops, it waits until every operation has ended, then
 * audits the cloud's own view and the database (see {@link SoakAudit}); the last line is
 * {@code soak operations=N kills=K orphans=0 ghosts=0 duplicate_usage=0 quota_drift=0 overcommit=0}.
 */
public final class SoakBench {

    public static void main(String[] args) throws Exception {
        Map<String, String> options = PlacementBench.options(args);
        Path jar = Path.of(options.getOrDefault("jar", "src/target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        int maxOperations = Integer.parseInt(options.getOrDefault("operations", "1000"));
        Duration duration = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "300")));
        Duration killEvery = Duration.ofSeconds(Long.parseLong(options.getOrDefault("kill-every", "10")));
        int clients = Integer.parseInt(options.getOrDefault("clients", "6"));
        double rate = Double.parseDouble(options.getOrDefault("rate", "5"));
        long seed = Long.parseLong(options.getOrDefault("seed", "7"));
        if (duration.toMinutes() > 10 || maxOperations > 1000) {
            throw new IllegalArgumentException("the soak is bounded: at most 600 seconds and 1,000 operations");
        }
        System.out.printf(Locale.ROOT, "soak: 2 replicas of %s, up to %d operations or %d s, %d clients at %.1f requests/s, a kill every ~%d s, seed %d%n",
                jar, maxOperations, duration.toSeconds(), clients, rate, killEvery.toSeconds(), seed);

        String adminUrl = env("SKYDECK_BENCH_DB_URL", BenchDatabase.DEFAULT_URL);
        String user = env("SKYDECK_BENCH_DB_USER", "postgres");
        String password = env("SKYDECK_BENCH_DB_PASSWORD", "");
        String database = "skydeck_soak_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String url = adminUrl.substring(0, adminUrl.lastIndexOf('/') + 1) + database;
        Path work = Files.createTempDirectory("skydeck-soak-");
        Path topologyFile = work.resolve("topology.json");
        try (InputStream in = SoakBench.class.getResourceAsStream("/soak-topology.json")) {
            Files.copy(in, topologyFile, StandardCopyOption.REPLACE_EXISTING);
        }
        SandboxTopology topology = SandboxTopology.read(topologyFile);
        admin(adminUrl, user, password, "CREATE DATABASE " + database);
        System.out.printf("soak: database %s, replica logs in %s%n", database, work);

        var replicas = new SoakReplicas(jar, work, 2, List.of(
                // Small and quick to start: a replica is killed and restarted every ~10 s.
                "-Xmx384m", "-XX:TieredStopAtLevel=1",
                "-Dskydeck.data-dir=" + work.resolve("data"),
                "-Dskydeck.sandbox.shared-state=true",
                "-Dskydeck.sandbox.realistic-latency=true",
                "-Dskydeck.sandbox.topology-file=" + topologyFile,
                "-Dskydeck.placement.sync-interval=PT2S",
                "-Dquarkus.log.level=WARN"),
                Map.of("SKYDECK_DB_URL", url, "SKYDECK_DB_USER", user, "SKYDECK_DB_PASSWORD", password));
        int kills = 0;
        boolean failed = true;
        var operations = new AtomicInteger();
        var inFlight = new AtomicInteger();
        var errors = new CopyOnWriteArrayList<String>();
        var answers = new java.util.concurrent.ConcurrentHashMap<String, AtomicInteger>();
        var pacing = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        long interval = (long) (1_000_000_000L / rate);
        try {
            replicas.start(0);
            replicas.awaitReady(0, Duration.ofSeconds(180)); // the first one migrates the database alone
            replicas.start(1);
            replicas.awaitReady(1, Duration.ofSeconds(180));

            String adminToken = ServiceTokens.token(jar, work, "--role", "admin");
            var asAdmin = new SoakClient(replicas, adminToken, Duration.ofSeconds(90));
            List<Tenant> tenants = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                var created = asAdmin.send("POST", "/v1/tenants", "soak-tenant-" + t,
                        "{\"name\":\"soak-" + t + "\",\"displayName\":\"Soak " + t + "\",\"quota\":{\"vcpu\":100000,"
                                + "\"memoryGib\":100000,\"servers\":10000,\"workloads\":10000,\"publicIps\":2}}");
                String tenantId = created.body().get("id").asText();
                var client = new SoakClient(replicas, ServiceTokens.token(jar, work, "--role", "tenant", "--tenant", tenantId), Duration.ofSeconds(90));
                String projectId = client.send("POST", "/v1/tenants/" + tenantId + "/projects", "soak-project-" + t,
                        "{\"name\":\"soak\"}").body().get("id").asText();
                tenants.add(new Tenant(client, projectId, new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>()));
            }

            Instant start = Instant.now();
            Instant end = start.plus(duration);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            List<Future<?>> drivers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                Random random = new Random(seed + i);
                drivers.add(pool.submit(() -> {
                    while (Instant.now().isBefore(end) && operations.get() < maxOperations) {
                        if (operations.get() + inFlight.incrementAndGet() > maxOperations) {
                            inFlight.decrementAndGet();
                            break; // the bound holds: never more than maxOperations started
                        }
                        Tenant tenant = tenants.get(random.nextInt(tenants.size()));
                        long slot = pacing.getAndAdd(interval);
                        long wait = slot - System.nanoTime();
                        if (wait > 0) {
                            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        }
                        try {
                            if (tenant.step(random, answers)) {
                                operations.incrementAndGet();
                            }
                        } catch (InterruptedException e) {
                            return null;
                        } catch (RuntimeException e) {
                            errors.add(e.getMessage());
                        } finally {
                            inFlight.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            Random killer = new Random(seed);
            while (Instant.now().isBefore(end) && operations.get() < maxOperations) {
                Thread.sleep(killEvery.toMillis() * (8 + killer.nextInt(5)) / 10);
                if (!Instant.now().isBefore(end) || operations.get() >= maxOperations) {
                    break;
                }
                int victim = killer.nextInt(2);
                // Never both at once: the other must be serving before this one dies.
                replicas.awaitReady(1 - victim, Duration.ofSeconds(180));
                replicas.kill(victim);
                kills++;
                System.out.printf(Locale.ROOT, "soak: %4ds killed replica %d with SIGKILL (%d operations so far)%n",
                        Duration.between(start, Instant.now()).toSeconds(), victim + 1, operations.get());
                replicas.start(victim);
            }
            pool.shutdown();
            for (Future<?> f : drivers) {
                f.get(5, TimeUnit.MINUTES);
            }
            replicas.awaitReady(0, Duration.ofSeconds(180));
            replicas.awaitReady(1, Duration.ofSeconds(180));
            System.out.printf(Locale.ROOT, "soak: load stopped after %d s; waiting for every operation to end%n",
                    Duration.between(start, Instant.now()).toSeconds());
            long unfinished = awaitOperationsEnded(url, user, password, Duration.ofMinutes(4));

            SoakAudit audit = SoakAudit.of(() -> DriverManager.getConnection(url, user, password), topology);
            audit.findings.forEach(f -> System.out.println("soak finding: " + f));
            printOutcome(url, user, password);
            System.out.printf(Locale.ROOT, "soak: answers %s%n", new java.util.TreeMap<>(answers));
            System.out.printf(Locale.ROOT, "soak: %d client errors%s; %d operations unfinished at the end%n", errors.size(),
                    errors.isEmpty() ? "" : " (first: " + errors.get(0) + ")", unfinished);
            System.out.printf(Locale.ROOT, "soak operations=%d kills=%d orphans=%d ghosts=%d duplicate_usage=%d quota_drift=%d overcommit=%d%n",
                    operations.get(), kills, audit.orphans, audit.ghosts, audit.duplicateUsage, audit.quotaDrift, audit.overcommit);
            failed = unfinished > 0 || !errors.isEmpty() || audit.orphans + audit.ghosts + audit.duplicateUsage
                    + audit.quotaDrift + audit.overcommit > 0;
        } finally {
            replicas.close();
            admin(adminUrl, user, password, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        System.exit(failed ? 1 : 0);
    }

    /** One tenant's live resources as its client knows them, and one random step of its work. */
    private record Tenant(SoakClient client, String projectId, List<String> servers, List<String> workloads) {
        private static final String[] FLAVORS = {"m1.small", "m1.medium", "m1.large"};

        /** @return whether the step started an operation (answered 202) */
        boolean step(Random random, Map<String, AtomicInteger> answers) throws InterruptedException {
            int dice = random.nextInt(100);
            String key = "soak-" + UUID.randomUUID();
            if (dice < 35 || servers.isEmpty() && dice < 70) {
                String body = "{\"projectId\":\"" + projectId + "\",\"name\":\"s-" + key.substring(5, 13) + "\",\"flavor\":\""
                        + FLAVORS[random.nextInt(FLAVORS.length)] + "\",\"image\":\"debian-12\""
                        + (random.nextInt(4) == 0 ? ",\"hints\":{\"antiAffinityGroup\":\"ha-" + random.nextInt(3) + "\"}" : "") + "}";
                return accepted(count("create-server", client.send("POST", "/v1/servers", key, body), answers), servers);
            }
            if (dice < 55 && !servers.isEmpty()) {
                String id = older(servers, random);
                String body = "{\"action\":\"resize\",\"flavor\":\"" + FLAVORS[random.nextInt(FLAVORS.length)] + "\"}";
                return count("resize-server", client.send("POST", "/v1/servers/" + id + "/actions", key, body), answers).status() == 202;
            }
            if (dice < 75 && !servers.isEmpty()) {
                String id = older(servers, random);
                boolean started = count("delete-server", client.send("DELETE", "/v1/servers/" + id, key, null), answers).status() == 202;
                if (started) {
                    servers.remove(id);
                }
                return started;
            }
            if (dice < 88 || workloads.isEmpty()) {
                String body = "{\"projectId\":\"" + projectId + "\",\"name\":\"w-" + key.substring(5, 13)
                        + "\",\"image\":\"nginx:1.27\",\"kind\":\"Deployment\",\"replicas\":" + (1 + random.nextInt(3))
                        + ",\"cpuMillis\":250,\"memoryMib\":256}";
                return accepted(count("create-workload", client.send("POST", "/v1/workloads", key, body), answers), workloads);
            }
            if (dice < 94) {
                String id = older(workloads, random);
                return count("scale-workload", client.send("POST", "/v1/workloads/" + id + "/scale", key,
                        "{\"replicas\":" + random.nextInt(4) + "}"), answers).status() == 202;
            }
            String id = older(workloads, random);
            boolean started = count("delete-workload", client.send("DELETE", "/v1/workloads/" + id, key, null), answers).status() == 202;
            if (started) {
                workloads.remove(id);
            }
            return started;
        }

        /** One of the older half: young resources are usually still being built. */
        private static String older(List<String> ids, Random random) {
            return ids.get(random.nextInt(Math.max(1, ids.size() / 2)));
        }

        private static SoakClient.Answer count(String what, SoakClient.Answer answer, Map<String, AtomicInteger> answers) {
            answers.computeIfAbsent(what + "=" + answer.status(), k -> new AtomicInteger()).incrementAndGet();
            return answer;
        }

        private static boolean accepted(SoakClient.Answer answer, List<String> into) {
            if (answer.status() != 202) {
                return false;
            }
            JsonNode resource = answer.body().get("resource");
            into.add(resource.get("id").asText());
            return true;
        }
    }

    private static long awaitOperationsEnded(String url, String user, String password, Duration within) throws Exception {
        Instant deadline = Instant.now().plus(within);
        long open = Long.MAX_VALUE;
        while (Instant.now().isBefore(deadline)) {
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement();
                 ResultSet r = s.executeQuery("SELECT count(*) FROM operation WHERE state IN ('PENDING', 'RUNNING')")) {
                r.next();
                open = r.getLong(1);
            }
            if (open == 0) {
                return 0;
            }
            Thread.sleep(1000);
        }
        return open;
    }

    private static void printOutcome(String url, String user, String password) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT kind, state, count(*) FROM operation GROUP BY kind, state ORDER BY kind, state")) {
            var line = new StringBuilder("soak: operations by kind and end state:");
            while (r.next()) {
                line.append(' ').append(r.getString(1)).append('/').append(r.getString(2)).append('=').append(r.getLong(3));
            }
            System.out.println(line);
        }
    }

    private static void admin(String url, String user, String password, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private SoakBench() {
    }
}
