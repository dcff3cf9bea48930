package io.skydeck.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import io.vertx.core.http.HttpMethod;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bench/run api: the packaged service on its embedded defaults (embedded PostgreSQL, instant
 * sandbox of api-topology.json grown to 400 hosts of 128 vCPU), 10,000 servers of one tenant, then
 * three fixed-rate phases from an open-loop client (see {@link FixedRateLoad}) with real JWTs:
 * {@code GET /q/health/live} (the floor: what the HTTP stack alone costs at that rate),
 * {@code GET /v1/servers?limit=50} and {@code POST /v1/servers} with a fresh Idempotency-Key each.
 * Last line: {@code api get_rps=N get_p99_ms=X post_rps=M post_p99_ms=Y health_p99_ms=Z}.
 */
public final class ApiBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Map<String, String> options = PlacementBench.options(args);
        Path jar = Path.of(options.getOrDefault("jar", "src/target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        int servers = Integer.parseInt(options.getOrDefault("servers", "10000"));
        int connections = Integer.parseInt(options.getOrDefault("connections", "16"));
        double getRate = Double.parseDouble(options.getOrDefault("get-rate", "3000"));
        double postRate = Double.parseDouble(options.getOrDefault("post-rate", "300"));
        Duration phase = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "20")));
        Duration warmup = Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup-seconds", "10")));
        double changesPerSecond = Double.parseDouble(options.getOrDefault("changes-per-second", "1"));
        // The create path is warmed in rounds until the service's JIT compilers use at most this share of its CPU in a round
        // (or for at most post-warmup-max-seconds of load): on two cores a compiler thread busy with the create path takes
        // a core from it, and a production replica runs compiled code, not the JIT.
        double jitQuietShare = Double.parseDouble(options.getOrDefault("jit-quiet-share", "0.10"));
        Duration postWarmupLimit = Duration.ofSeconds(Long.parseLong(options.getOrDefault("post-warmup-max-seconds", "120")));
        // Room for the seeded servers, the longest create warm-up's (its last round may start just before the limit), the
        // creates again before the POST phase and the POST phase's, with a tenth to spare: m1.small, 1 vCPU each, 128 per
        // host, two zones. With the defaults, 250.
        long mostServers = servers + Math.round(postRate * (postWarmupLimit.toSeconds() + 10 + Math.max(10, warmup.toSeconds())
                + phase.toSeconds()));
        int hostsPerZone = Integer.parseInt(options.getOrDefault("hosts-per-zone",
                Long.toString((long) Math.ceil(mostServers * 1.1 / (2 * 128)))));
        // The service's JVM options: bench/run passes those the packaged image starts it with (Dockerfile.jvm).
        String serviceJvm = options.getOrDefault("service-jvm", "").trim();
        System.out.printf(Locale.ROOT, "api: %s on embedded defaults, %d servers seeded, %d sandbox hosts a zone, GET at %.0f/s, POST at %.0f/s, %d connections, "
                        + "%d s per phase after %d s warm-up; cores=%d load=%s service_jvm=%s %s%n", jar, servers, hostsPerZone, getRate, postRate,
                connections, phase.toSeconds(), warmup.toSeconds(), Runtime.getRuntime().availableProcessors(), loadAverage(),
                serviceJvm.isEmpty() ? "(java's defaults)" : serviceJvm.replace(' ', ','), FixedRateLoad.clientJvm());

        Path work = Files.createTempDirectory("skydeck-api-");
        Path topology = work.resolve("api-topology.json");
        Files.writeString(topology, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(topology(hostsPerZone)));
        List<String> serviceOptions = new ArrayList<>();
        if (!serviceJvm.isEmpty()) {
            serviceOptions.addAll(List.of(serviceJvm.split("\\s+")));
        }
        serviceOptions.addAll(List.of(
                "-Dskydeck.data-dir=" + work.resolve("data"),
                "-Dskydeck.sandbox.realistic-latency=false",
                "-Dskydeck.sandbox.topology-file=" + topology,
                // The 10,000 seeded rows have no objects in the sandbox: drift sync (first run 30 s after
                // start) would report them all missing and write 10,000 findings during the phases.
                "-Dskydeck.drift.interval=off",
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.log.category.\"io.skydeck.platform.embedded\".level=INFO"));
        // For profiling the service, e.g. -Dskydeck.bench.service-options=-XX:StartFlightRecording=settings=profile
        String extra = System.getProperty("skydeck.bench.service-options", "");
        if (!extra.isBlank()) {
            serviceOptions.addAll(List.of(extra.trim().split("\\s+")));
        }
        var replicas = new SoakReplicas(jar, work, 1, serviceOptions, Map.of());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(2)).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            replicas.start(0);
            replicas.awaitReady(0, Duration.ofSeconds(180));
            String base = replicas.url(0);
            String admin = ServiceTokens.token(jar, work, "--role", "admin");
            JsonNode tenant = call(http, "POST", base + "/v1/tenants", admin, "{\"name\":\"api\",\"displayName\":\"API\","
                    + "\"quota\":{\"vcpu\":1000000,\"memoryGib\":10000000,\"servers\":1000000,\"workloads\":10,\"publicIps\":2}}");
            String tenantId = tenant.get("id").asText();
            String bearer = ServiceTokens.token(jar, work, "--role", "tenant", "--tenant", tenantId);
            String projectId = call(http, "POST", base + "/v1/tenants/" + tenantId + "/projects", bearer,
                    "{\"name\":\"api\"}").get("id").asText();
            String database = databaseUrl(work, 0);
            seed(database, tenantId, projectId, servers);

            int port = URI.create(base).getPort();
            var load = new FixedRateLoad("127.0.0.1", port, connections);
            var health = new FixedRateLoad.Call(HttpMethod.GET, "/q/health/live", Map.of(), null);
            // Every page of the tenant's list, by the cursors the service hands out: the GET phases ask for them in turn.
            List<FixedRateLoad.Call> pages = pages(http, base, bearer);
            java.util.function.IntFunction<FixedRateLoad.Call> list = i -> pages.get(i % pages.size());
            String prefix = UUID.randomUUID().toString().substring(0, 8);
            java.util.function.IntFunction<FixedRateLoad.Call> create = i -> new FixedRateLoad.Call(HttpMethod.POST, "/v1/servers",
                    Map.of("Authorization", "Bearer " + bearer, "Content-Type", "application/json",
                            "Idempotency-Key", "api-" + prefix + "-" + i),
                    "{\"projectId\":\"" + projectId + "\",\"name\":\"p-" + prefix + "-" + i
                            + "\",\"flavor\":\"m1.small\",\"image\":\"debian-12\"}");

            // Warm-up: JIT and connection pools, at the rates measured; not counted.
            load.run("warm-up", getRate, warmup, list, 200);
            warmCreates(load, replicas, database, postRate, warmup, postWarmupLimit, jitQuietShare, create);
            // The warm-up's creates changed the tenant's servers, so every page the service kept is over; the
            // GET phase measures the steady state (pages read again once, code compiled), not that transient.
            Duration again = warmup.compareTo(Duration.ofSeconds(10)) < 0 ? warmup : Duration.ofSeconds(10);
            load.run("warm-up", getRate, again, list, 200);
            // The health check too: the floor is the HTTP stack warm, not its first compilation (0.6 s of 80-160 ms answers).
            load.run("warm-up", getRate, again.dividedBy(2), i -> health, 200);

            var results = new ArrayList<FixedRateLoad.Result>();
            var costs = new ArrayList<CpuCost>();
            var keptShares = new ArrayList<String>();
            var phases = List.<java.util.function.Supplier<FixedRateLoad.Result>>of(
                    () -> run(load, "health", getRate, phase, i -> health, 200),
                    () -> run(load, "get", getRate, phase, list, 200),
                    () -> whileChanging(database, tenantId, changesPerSecond, servers,
                            () -> run(load, "getchg", getRate, phase, list, 200)),
                    () -> run(load, "post", postRate, phase, create, 202));
            for (var phaseRun : phases) {
                if (phaseRun == phases.get(3)) {
                    // Creates once more, as the GET phases had GETs: the minute of GETs since the create warm-up changed
                    // the profiles of the code both share, and the compilers redid the create path inside the POST phase.
                    rewarmCreates(load, replicas, database, postRate, warmup, create);
                }
                var before = CpuCost.Reading.now(replicas);
                double[] pagesBefore = pagesAnswered(http, base);
                results.add(phaseRun.get());
                costs.add(CpuCost.Reading.now(replicas).since(before, results.get(results.size() - 1).sent()));
                double[] pagesAfter = pagesAnswered(http, base);
                keptShares.add(String.format(Locale.ROOT, "pages_from_memory=%.0f pages_from_database=%.0f",
                        pagesAfter[0] - pagesBefore[0], pagesAfter[1] - pagesBefore[1]));
            }
            for (int k = 0; k < results.size(); k++) {
                var r = results.get(k);
                System.out.printf(Locale.ROOT, "api %-6s rate=%.0f/s sent=%d ok=%d ok_per_s=%.0f errors=%d statuses=%s "
                                + "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f %s %s %s%n",
                        r.name(), r.rate(), r.sent(), r.ok(), r.achievedOkPerSecond(), r.errors(), r.byStatus(),
                        r.p(50), r.p(90), r.p(99), r.p(99.9), r.latencyMicros().getMaxValue() / 1000.0, costs.get(k), keptShares.get(k), r.lateness());
            }
            System.out.println("api placement sync (the service's own skydeck_placement_sync metrics, the whole run): " + placementSyncs(http, base));
            System.out.println(operationsDrained(database, Duration.ofSeconds(120)));
            System.out.printf(Locale.ROOT, "api get_rps=%.0f get_p99_ms=%.1f post_rps=%.0f post_p99_ms=%.1f health_p99_ms=%.1f%n",
                    results.get(1).achievedOkPerSecond(), results.get(1).p(99), results.get(3).achievedOkPerSecond(),
                    results.get(3).p(99), results.get(0).p(99));
            load.close();
        } finally {
            replicas.close();
        }
        System.exit(0);
    }

    /**
     * Whether the service built what the POST phase asked for as fast as it was asked: the creates'
     * operations still open when the phase ended (the runner's backlog), and how long after it the
     * last of them ended (at most {@code limit}). Read from the operation table, not the service.
     */
    private static String operationsDrained(String url, Duration limit) throws Exception {
        String open = "SELECT count(*) FROM operation WHERE state IN ('PENDING', 'RUNNING')";
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); var query = c.createStatement()) {
            long start = System.nanoTime();
            long atEnd = -1;
            long left;
            do {
                try (var rs = query.executeQuery(open)) {
                    rs.next();
                    left = rs.getLong(1);
                }
                if (atEnd < 0) {
                    atEnd = left;
                }
                if (left > 0) {
                    Thread.sleep(200);
                }
            } while (left > 0 && System.nanoTime() - start < limit.toNanos());
            double seconds = (System.nanoTime() - start) / 1e9;
            return String.format(Locale.ROOT, "api operations open_after_post=%d drained_s=%s (still open: %d)", atEnd,
                    left == 0 ? String.format(Locale.ROOT, "%.1f", seconds) : ">" + limit.toSeconds(), left);
        }
    }

    /**
     * Runs {@code phase} while one of the tenant's seeded servers is changed {@code perSecond} times a
     * second by SQL on a connection of the harness's own (as another replica's write would be): each
     * change ends every page of the tenant the service kept.
     */
    private static FixedRateLoad.Result whileChanging(String url, String tenantId, double perSecond, int servers,
                                                      java.util.function.Supplier<FixedRateLoad.Result> phase) {
        var changer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        var changed = new java.util.concurrent.atomic.AtomicInteger();
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             PreparedStatement touch = c.prepareStatement("UPDATE server SET updated_at = now(), version = version + 1"
                     + " WHERE tenant_id = CAST(? AS uuid) AND name = ?")) {
            var random = new java.util.Random(7);
            changer.scheduleAtFixedRate(() -> {
                try {
                    touch.setString(1, tenantId);
                    touch.setString(2, "seed-" + (1 + random.nextInt(servers)));
                    changed.addAndGet(touch.executeUpdate());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, 0, (long) (1_000_000 / perSecond), TimeUnit.MICROSECONDS);
            FixedRateLoad.Result result = phase.get();
            changer.shutdown();
            changer.awaitTermination(5, TimeUnit.SECONDS);
            System.out.printf(Locale.ROOT, "api: %d servers of the tenant changed during the getchg phase%n", changed.get());
            return result;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            changer.shutdownNow();
        }
    }

    /**
     * Creates servers at {@code rate} in rounds of {@code round} (at least 10 s) until, over a round and the
     * runner's work after it, the service's JIT compiler threads used at most {@code quietShare} of its CPU,
     * or until {@code limit} of load has been sent. The runner builds each round's servers in the background,
     * and a service that fell behind still works through POSTs whose connections the client reset: the next
     * round (and the measured phases) start once both are done.
     */
    private static void warmCreates(FixedRateLoad load, SoakReplicas replicas, String database, double rate, Duration round,
                                    Duration limit, double quietShare, java.util.function.IntFunction<FixedRateLoad.Call> create)
            throws Exception {
        Duration each = createRound(round);
        Duration sent = Duration.ZERO;
        for (int n = 1; ; n++) {
            var before = CpuCost.Reading.now(replicas);
            FixedRateLoad.Result r = createAndWait(load, database, rate, each, 1_000_000 * n, create);
            CpuCost cost = CpuCost.Reading.now(replicas).since(before, r.sent());
            sent = sent.plus(each);
            boolean quiet = cost.jitShare() <= quietShare;
            boolean last = quiet || sent.compareTo(limit) >= 0;
            System.out.printf(Locale.ROOT, "api: create warm-up round %d: %d s at %.0f/s, %d created, jit_share=%.2f %s%n", n,
                    each.toSeconds(), rate, r.ok(), cost.jitShare(),
                    quiet ? "(quiet: measuring)" : last ? "(not quiet, but the warm-up's limit is reached: measuring)" : "(compiling: again)");
            if (last) {
                return;
            }
        }
    }

    /**
     * One round of creates at {@code rate} right before the POST phase (at least 10 s; the operations it
     * opened built before the phase starts), with the JIT's share of the service's CPU over it printed.
     */
    private static void rewarmCreates(FixedRateLoad load, SoakReplicas replicas, String database, double rate, Duration round,
                                      java.util.function.IntFunction<FixedRateLoad.Call> create) {
        try {
            Duration each = createRound(round);
            var before = CpuCost.Reading.now(replicas);
            FixedRateLoad.Result r = createAndWait(load, database, rate, each, 900_000_000, create);
            CpuCost cost = CpuCost.Reading.now(replicas).since(before, r.sent());
            System.out.printf(Locale.ROOT, "api: creates again before the POST phase: %d s at %.0f/s, %d created, jit_share=%.2f%n",
                    each.toSeconds(), rate, r.ok(), cost.jitShare());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A round of warm-up creates: the warm-up's length, at least 10 s. */
    private static Duration createRound(Duration round) {
        return round.compareTo(Duration.ofSeconds(10)) < 0 ? Duration.ofSeconds(10) : round;
    }

    /**
     * Creates at {@code rate} for {@code each} (request i numbered {@code offset + i}, so that no two
     * rounds share an Idempotency-Key or a name), then waits until the runner built them all.
     */
    private static FixedRateLoad.Result createAndWait(FixedRateLoad load, String database, double rate, Duration each, int offset,
                                                      java.util.function.IntFunction<FixedRateLoad.Call> create) throws Exception {
        FixedRateLoad.Result r = load.run("warm-up", rate, each, i -> create.apply(offset + i), 202);
        awaitQuiet(database, Duration.ofSeconds(300));
        return r;
    }

    /**
     * The sandbox of {@code api-topology.json} (the release and reachability harnesses use it as it
     * is: 100 hosts of 128 vCPU in each of two zones) with {@code perZone} hosts like its first in
     * each zone, so that the seeded servers and the create warm-up's cannot fill it.
     */
    private static JsonNode topology(int perZone) throws IOException {
        JsonNode topology;
        try (InputStream in = ApiBench.class.getResourceAsStream("/api-topology.json")) {
            topology = JSON.readTree(in);
        }
        for (JsonNode region : topology.get("regions")) {
            for (JsonNode zone : region.get("zones")) {
                var hosts = (com.fasterxml.jackson.databind.node.ArrayNode) zone.get("hosts");
                JsonNode first = hosts.get(0);
                hosts.removeAll();
                for (int i = 1; i <= perZone; i++) {
                    hosts.add(((com.fasterxml.jackson.databind.node.ObjectNode) first.deepCopy())
                            .put("id", zone.get("id").asText() + "-h" + i));
                }
            }
        }
        return topology;
    }

    /** Waits until no operation is open and no server row has been added for two seconds. */
    private static void awaitQuiet(String url, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             PreparedStatement open = c.prepareStatement("SELECT count(*) FROM operation WHERE state IN ('PENDING', 'RUNNING')");
             PreparedStatement servers = c.prepareStatement("SELECT count(*) FROM server")) {
            long seen = -1;
            while (true) {
                long left = count(open);
                long now = count(servers);
                if (left == 0 && now == seen) {
                    return;
                }
                seen = now;
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(left + " operations still open " + atMost.toSeconds() + " s after the warm-up");
                }
                Thread.sleep(2_000);
            }
        }
    }

    private static long count(PreparedStatement query) throws Exception {
        try (var rs = query.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static FixedRateLoad.Result run(FixedRateLoad load, String name, double rate, Duration phase,
                                            java.util.function.IntFunction<FixedRateLoad.Call> call, int okStatus) {
        try {
            // What the machine did to every process meanwhile (bench/README.md, "The machine's own stalls").
            JitterProbe.Running probe = JitterProbe.start(phase);
            FixedRateLoad.Result result = load.run(name, rate, phase, call, okStatus);
            System.out.println("api " + name + " machine " + probe.line());
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Where a phase's CPU went, per request sent: the service's JVM, this client's JVM, and every
     * PostgreSQL process on the machine (the embedded one's backends and helpers; the pool keeps
     * its backends alive, so none exits with its CPU unread). The kernel's share of loopback TCP
     * is in none of them.
     */
    record CpuCost(double serviceUs, double jitUs, double clientUs, double databaseUs) {
        record Reading(long serviceNanos, long jitNanos, long clientNanos, long databaseNanos) {
            static Reading now(SoakReplicas replicas) {
                long client = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                        .getOperatingSystemMXBean()).getProcessCpuTime();
                long database = ProcessHandle.allProcesses()
                        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres") || c.equals("postgres")).orElse(false))
                        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
                        .sum();
                return new Reading(replicas.cpu(0).toNanos(), JitCompilers.cpu(replicas.pid(0)).toNanos(), client, database);
            }

            CpuCost since(Reading before, long requests) {
                double n = Math.max(1, requests) * 1000.0;
                return new CpuCost((serviceNanos - before.serviceNanos) / n, (jitNanos - before.jitNanos) / n,
                        (clientNanos - before.clientNanos) / n, Math.max(0, databaseNanos - before.databaseNanos) / n);
            }
        }

        /** The service's JIT compiler threads' share of its CPU. */
        double jitShare() {
            return serviceUs <= 0 ? 0 : jitUs / serviceUs;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cpu_us_per_req service=%.0f (jit=%.0f) client=%.0f postgres=%.0f", serviceUs, jitUs,
                    clientUs, databaseUs);
        }
    }

    /**
     * The servers a GET pages through, written straight into the service's tables as the create
     * path leaves them once built (ACTIVE, on a sandbox host, with their price): creating 10,000
     * through the API first would time the sandbox's writes, not the listing.
     */
    private static void seed(String url, String tenantId, String projectId, int count) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             PreparedStatement insert = c.prepareStatement("""
                     INSERT INTO server (id, tenant_id, project_id, name, flavor, image, provider, region, zone, host,
                         provider_server_id, status, vcpu, memory_mib, gpu, hourly_price, created_at, updated_at, version)
                     SELECT gen_random_uuid(), CAST(? AS uuid), CAST(? AS uuid), 'seed-' || n, 'm1.small', 'debian-12', 'sandbox',
                         'sbx-east-1', 'sbx-east-1a', 'sbx-east-1a-h' || (1 + n % 100), 'seed-' || n, 'ACTIVE', 1, 2048, 0, 0.02,
                         now() - make_interval(secs => n), now(), 0
                     FROM generate_series(1, ?) AS n""")) {
            insert.setString(1, tenantId);
            insert.setString(2, projectId);
            insert.setInt(3, count);
            insert.executeUpdate();
        }
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); var analyze = c.createStatement()) {
            analyze.execute("ANALYZE server"); // as autovacuum would have by now on a table that grew over time
        }
        System.out.printf(Locale.ROOT, "api: seeded %d ACTIVE servers for tenant %s%n", count, tenantId);
    }

    /** The embedded PostgreSQL's JDBC URL, as the service logged it at start-up. */
    private static String databaseUrl(Path work, int replica) throws Exception {
        Pattern port = Pattern.compile("embedded PostgreSQL .* on 127\\.0\\.0\\.1:(\\d+)");
        for (Path log : Files.list(work).filter(p -> p.getFileName().toString().startsWith("replica-" + (replica + 1))).toList()) {
            Matcher m = port.matcher(Files.readString(log));
            if (m.find()) {
                return "jdbc:postgresql://127.0.0.1:" + m.group(1) + "/postgres";
            }
        }
        throw new IllegalStateException("the service did not log its embedded PostgreSQL's port; see " + work);
    }

    /** A GET of each page of the tenant's servers (50 a page), from the first to the last, following {@code nextCursor}. */
    private static List<FixedRateLoad.Call> pages(HttpClient http, String base, String bearer) throws Exception {
        List<FixedRateLoad.Call> pages = new ArrayList<>();
        String path = "/v1/servers?limit=50";
        while (path != null) {
            pages.add(new FixedRateLoad.Call(HttpMethod.GET, path, Map.of("Authorization", "Bearer " + bearer), null));
            var response = http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + bearer).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode next = JSON.readTree(response.body()).get("nextCursor");
            path = next == null || next.isNull() ? null
                    : "/v1/servers?limit=50&cursor=" + java.net.URLEncoder.encode(next.asText(), java.nio.charset.StandardCharsets.UTF_8);
        }
        System.out.printf(Locale.ROOT, "api: the GET phases ask for the tenant's %d pages in turn%n", pages.size());
        return pages;
    }

    /**
     * The service's own count of {@code GET /v1/servers} pages answered from a page it kept and read
     * from PostgreSQL ({@code skydeck_server_pages_total}), from its metrics endpoint.
     */
    private static double[] pagesAnswered(HttpClient http, String base) {
        double[] answered = new double[2];
        try {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("skydeck_server_pages_total{")) {
                    double value = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    answered[line.contains("from_memory") ? 0 : 1] += value;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not read the service's metrics", e);
        }
        return answered;
    }

    /**
     * How the service's placement engine kept up with the servers committed: per kind of sync (reading
     * every live server, or only the rows notified as changed) how many ran, their mean time and the
     * rows they read, from {@code skydeck_placement_sync_seconds} and {@code skydeck_placement_sync_rows_total}.
     */
    private static String placementSyncs(HttpClient http, String base) {
        Map<String, Double> values = new java.util.TreeMap<>();
        try {
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/q/metrics")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("skydeck_placement_sync_")) {
                    values.put(line.substring(0, line.lastIndexOf(' ')), Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not read the service's metrics", e);
        }
        StringBuilder line = new StringBuilder();
        for (String read : List.of("every_live_server", "changed_servers")) {
            String tag = "{read=\"" + read + "\"}";
            double count = values.getOrDefault("skydeck_placement_sync_seconds_count" + tag, 0.0);
            double sum = values.getOrDefault("skydeck_placement_sync_seconds_sum" + tag, 0.0);
            line.append(String.format(Locale.ROOT, "%s%s syncs=%.0f mean_ms=%.2f rows=%.0f", line.length() == 0 ? "" : " ", read,
                    count, count == 0 ? 0 : sum * 1000 / count, values.getOrDefault("skydeck_placement_sync_rows_total" + tag, 0.0)));
        }
        return line.toString();
    }

    private static JsonNode call(HttpClient http, String method, String url, String bearer, String body) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private static String loadAverage() {
        return String.format(Locale.ROOT, "%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private ApiBench() {
    }
}
