package io.skydeck.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.skydeck.connectors.sandbox.SandboxCloud;
import io.skydeck.connectors.sandbox.SandboxTopology;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.InstallSpec;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench/run release}: a rolling release of 1,000 sandbox servers with instant operations
 * (batches of 10 %, 50 instances at once) through the packaged service's HTTP API — POST
 * /v1/releases, the bastion pulled in and approved as soon as it bakes, followed until SUCCEEDED
 * through its events (or, with {@code --wait=view}, by polling its whole view) —
 * and then a version that fails its ignition check on 30 % of the instances (the sandbox's
 * {@code skydeck.sandbox.artifact-defects} knob), polled until the brake holds.
 *
 * <p>The baseline, in the same run and the same JVM as the harness: the same provider calls for
 * every instance (pull out, install and poll, ignition check, pull in) made directly on a sandbox
 * of the same topology and store kind, with the same batches and parallelism, a batch starting
 * when the one before it is done. Overhead per instance = (release wall time − baseline wall
 * time) / instances: what the service adds to the provider's own work — HTTP, the rollout, the
 * fenced progress writes, the events, the lease, the polling and the two person actions.
 *
 * <p>Brake overshoot: instances whose update started (an UPDATING event) after the release's
 * BRAKED event, read from the service's release_event table. The figure line is last.
 */
public final class ReleaseBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGION = "sbx-east-1";
    private static final String GOOD = "shop-v2";
    private static final String BAD = "shop-bad";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        Path jar = Path.of(options.getOrDefault("jar", "src/target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        System.setProperty("skydeck.service.jar", jar.toString());
        int instances = Integer.parseInt(options.getOrDefault("instances", "1000"));
        int batchPercent = Integer.parseInt(options.getOrDefault("batch-percent", "10"));
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "50"));
        int badPercent = Integer.parseInt(options.getOrDefault("bad-percent", "30"));
        double brakeRatio = Double.parseDouble(options.getOrDefault("brake-ratio", "0.2"));
        int warmups = Integer.parseInt(options.getOrDefault("warmup-releases", "3"));
        boolean followEvents = switch (options.getOrDefault("wait", "events")) {
            case "events" -> true;
            case "view" -> false;
            default -> throw new IllegalArgumentException("--wait is events or view");
        };
        int batch = Math.max(1, (int) Math.ceil(batchPercent * instances / 100.0 - 1e-9));
        System.out.printf(Locale.ROOT, "release: %d instances, batches of %d %% (%d), parallelism %d, bad version on %d %%, brake at %.2f; "
                + "cores=%d load=%s%n", instances, batchPercent, batch, parallelism, badPercent, brakeRatio,
                Runtime.getRuntime().availableProcessors(), loadAverage());

        Path work = Files.createTempDirectory("skydeck-bench-release-");
        Path topology = work.resolve("api-topology.json");
        try (InputStream in = ReleaseBench.class.getResourceAsStream("/api-topology.json")) {
            Files.copy(in, topology, StandardCopyOption.REPLACE_EXISTING);
        }

        for (int i = 0; i < warmups; i++) {
            // Untimed, as the service gets its warm-up release below: both sides are timed with their code compiled.
            Baseline warm = baseline(work.resolve("warm-" + i), topology, instances, batch, parallelism);
            System.out.printf(Locale.ROOT, "baseline warm-up (not timed): %.2f s%n", warm.seconds());
        }
        Baseline base = baseline(work, topology, instances, batch, parallelism);
        double baselineSeconds = base.seconds();
        System.out.printf(Locale.ROOT, "baseline: the same provider calls made directly on an instant sandbox: %.2f s (%.3f ms per instance), "
                + "%.2f s of CPU in this JVM%n", baselineSeconds, baselineSeconds * 1000 / instances, base.cpuSeconds());

        List<String> jvm = new ArrayList<>(List.of("-Xms1g", "-Xmx1g",
                "-Dskydeck.sandbox.realistic-latency=false",
                "-Dskydeck.sandbox.topology-file=" + topology,
                "-Dskydeck.sandbox.artifact-defects." + BAD + "=" + badPercent,
                // The instant sandbox answers an ignition check at once and never changes its mind (a defective
                // instance stays unhealthy): waiting the default 60 s per failing instance would time the timeout.
                "-Dskydeck.release.ignition-timeout=PT1S"));
        try (RunningService service = RunningService.start(jvm)) {
            Estate estate = Estate.build(service, instances);
            for (int i = 0; i < warmups; i++) {
                // A service that has run releases before, as one in production has: the timed release does not pay for the
                // JIT compiling the release path (a fresh JVM's first release took 4-9 ms per instance more, varying run to run).
                Release warm = followEvents ? rollGoodFollowingEvents(service, estate.releasing(estate.warm), parallelism, batchPercent)
                        : rollGood(service, estate.releasing(estate.warm), parallelism, batchPercent);
                System.out.printf(Locale.ROOT, "warm-up release %s of v1.9 (not timed): SUCCEEDED in %.2f s%n", warm.id, warm.seconds);
            }
            ProcessHandle serviceProcess = ProcessHandle.of(service.pid()).orElseThrow();
            Map<Integer, Double> backendsBefore = backendCpu(service);
            double serviceBefore = cpuSeconds(serviceProcess);
            Release good = followEvents ? rollGoodFollowingEvents(service, estate, parallelism, batchPercent)
                    : rollGood(service, estate, parallelism, batchPercent);
            double serviceCpu = cpuSeconds(serviceProcess) - serviceBefore;
            double databaseCpu = backendCpuSince(service, backendsBefore);
            System.out.printf(Locale.ROOT, "good release %s: SUCCEEDED in %.2f s wall (POST to the poll that saw it), %.2f s of it "
                            + "waiting for the bastion's two person actions; %d progress writes on record%n", good.id, good.seconds,
                    good.personSeconds, good.versions);
            System.out.printf(Locale.ROOT, "cpu: good release %.2f s in the service's JVM + %.2f s in its PostgreSQL backends, baseline %.2f s; "
                            + "cpu_overhead_ms_per_instance=%.2f%n", serviceCpu, databaseCpu, base.cpuSeconds(),
                    (serviceCpu + databaseCpu - base.cpuSeconds()) * 1000 / instances);
            Braked braked = rollBad(service, estate, parallelism, batchPercent, brakeRatio);
            System.out.printf(Locale.ROOT, "bad release %s: BRAKED after %.2f s with %d failed of %d started (brake in batch %d); "
                            + "instances started after the brake: %d%n", braked.id, braked.seconds, braked.failed, braked.started,
                    braked.brakeBatch, braked.overshoot);
            double overhead = (good.seconds - baselineSeconds) * 1000 / instances;
            System.out.printf(Locale.ROOT, "release instances=%d seconds=%.2f overhead_ms_per_instance=%.2f brake_overshoot=%d%n",
                    instances, good.seconds, overhead, braked.overshoot);
        }
    }

    // ---- baseline ------------------------------------------------------------------------------

    /** The baseline's wall time and the CPU time this JVM spent in it (the sandbox's calls, the threads). */
    private record Baseline(double seconds, double cpuSeconds) {
    }

    /** The release's provider calls, made directly: the time the provider itself takes. */
    private static Baseline baseline(Path work, Path topologyFile, int instances, int batch, int parallelism) throws Exception {
        SandboxTopology topology = SandboxTopology.read(topologyFile).withLatency(SandboxTopology.Latency.NONE);
        SandboxCloud cloud = new SandboxCloud("sandbox", topology, work.resolve("baseline-sandbox"), Clock.systemUTC());
        try {
            Servers servers = cloud.require(Servers.class);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                OperationHandle created = servers.create(new ServerSpec("web-" + i, REGION, Optional.empty(), Optional.empty(), "m1.small",
                        "debian-12", List.of(), List.of(), Map.of(), Optional.empty(), Optional.empty()), IdempotencyToken.of("base-web-" + i));
                ids.add(created.resource().id());
                awaitSucceeded(cloud, created);
            }
            Deployments deployments = cloud.require(Deployments.class);
            TrafficControl traffic = cloud.require(TrafficControl.class);
            TrafficTarget target = new TrafficTarget(REGION, "lb-baseline");
            for (String id : ids) {
                traffic.pullIn(target, id);
            }
            ExecutorService pool = Executors.newFixedThreadPool(parallelism);
            double cpu0 = cpuSeconds(ProcessHandle.current());
            long t0 = System.nanoTime();
            try {
                for (int from = 0; from < ids.size(); from += batch) {
                    List<Future<?>> running = new ArrayList<>();
                    for (String id : ids.subList(from, Math.min(ids.size(), from + batch))) {
                        running.add(pool.submit(() -> {
                            traffic.pullOut(target, id);
                            OperationHandle install = deployments.install(new InstallSpec(REGION, id, GOOD, Optional.empty(), Optional.empty()),
                                    IdempotencyToken.of("base-install-" + id));
                            awaitSucceeded(deployments::poll, install);
                            if (!deployments.health(REGION, id).healthy()) {
                                throw new IllegalStateException(id + " is not healthy after its install");
                            }
                            traffic.pullIn(target, id);
                            return null;
                        }));
                    }
                    for (Future<?> f : running) {
                        f.get();
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            return new Baseline((System.nanoTime() - t0) / 1e9, cpuSeconds(ProcessHandle.current()) - cpu0);
        } finally {
            cloud.close();
        }
    }

    private interface Poll {
        OperationStatus poll(OperationHandle handle);
    }

    private static void awaitSucceeded(SandboxCloud cloud, OperationHandle handle) throws InterruptedException {
        awaitSucceeded(cloud::poll, handle);
    }

    private static void awaitSucceeded(Poll poll, OperationHandle handle) throws InterruptedException {
        while (true) {
            OperationStatus status = poll.poll(handle);
            if (status instanceof OperationStatus.Succeeded) {
                return;
            }
            if (status instanceof OperationStatus.Failed failed) {
                throw new IllegalStateException(handle + " failed: " + failed.error().getMessage());
            }
            Thread.sleep(1);
        }
    }

    // ---- through the service -------------------------------------------------------------------

    /** A tenant with {@code instances} ACTIVE servers in one group, and the two versions. */
    private record Estate(String bearer, String group, String good, String bad, String warm) {
        /** The same group and client, releasing {@code version} instead of the good one (the untimed warm-up). */
        Estate releasing(String version) {
            return new Estate(bearer, group, version, bad, warm);
        }
        static Estate build(RunningService service, int instances) throws Exception {
            String admin = service.token("--role", "admin");
            String tenant = call(service, admin, "POST", "/v1/tenants", "{\"name\":\"releasebench\",\"displayName\":\"Release bench\","
                    + "\"quota\":{\"vcpu\":100000,\"memoryGib\":1000000,\"servers\":100000,\"workloads\":4,\"publicIps\":2}}", 201)
                    .get("id").asText();
            String bearer = service.token("--role", "tenant", "--tenant", tenant);
            String project = call(service, bearer, "POST", "/v1/tenants/" + tenant + "/projects", "{\"name\":\"shop\"}", 201)
                    .get("id").asText();
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<String[]>> created = new ArrayList<>();
            for (int i = 0; i < instances; i++) {
                String body = "{\"projectId\":\"" + project + "\",\"name\":\"web-" + i + "\",\"flavor\":\"m1.small\",\"image\":\"debian-12\"}";
                created.add(pool.submit(() -> {
                    JsonNode accepted = call(service, bearer, "POST", "/v1/servers", body, 202);
                    return new String[] {accepted.get("resource").get("id").asText(), accepted.get("operation").get("id").asText()};
                }));
            }
            List<String> servers = new ArrayList<>();
            List<String> operations = new ArrayList<>();
            for (Future<String[]> f : created) {
                servers.add(f.get()[0]);
                operations.add(f.get()[1]);
            }
            pool.shutdown();
            for (String operation : operations) {
                while (true) {
                    String state = call(service, bearer, "GET", "/v1/operations/" + operation, null, 200).get("state").asText();
                    if (state.equals("SUCCEEDED")) {
                        break;
                    }
                    if (!state.equals("PENDING") && !state.equals("RUNNING")) {
                        throw new IllegalStateException("server build " + operation + " ended " + state);
                    }
                    Thread.sleep(100);
                }
            }
            System.out.printf(Locale.ROOT, "estate: %d servers built through POST /v1/servers in %.1f s%n", instances,
                    (System.nanoTime() - t0) / 1e9);
            String app = call(service, bearer, "POST", "/v1/applications", "{\"name\":\"shop\"}", 201).get("id").asText();
            String group = call(service, bearer, "POST", "/v1/applications/" + app + "/groups", "{\"name\":\"web\",\"trafficTarget\":"
                    + "\"lb-web\",\"serverIds\":" + JSON.writeValueAsString(servers) + "}", 201).get("id").asText();
            String good = call(service, bearer, "POST", "/v1/applications/" + app + "/versions",
                    "{\"name\":\"v2\",\"image\":\"" + GOOD + "\"}", 201).get("id").asText();
            String bad = call(service, bearer, "POST", "/v1/applications/" + app + "/versions",
                    "{\"name\":\"bad\",\"image\":\"" + BAD + "\"}", 201).get("id").asText();
            String warm = call(service, bearer, "POST", "/v1/applications/" + app + "/versions",
                    "{\"name\":\"v1.9\",\"image\":\"shop-v1.9\"}", 201).get("id").asText();
            return new Estate(bearer, group, good, bad, warm);
        }
    }

    private record Release(String id, double seconds, double personSeconds, long versions) {
    }

    private record Braked(String id, double seconds, int failed, int started, int brakeBatch, int overshoot) {
    }

    /** Smoke, bake (pull-in and approve as soon as the bastion waits for them), roll; until SUCCEEDED. */
    private static Release rollGood(RunningService service, Estate estate, int parallelism, int batchPercent) throws Exception {
        long t0 = System.nanoTime();
        String id = call(service, estate.bearer, "POST", "/v1/releases", "{\"groupId\":\"" + estate.group + "\",\"versionId\":\""
                + estate.good + "\",\"batchPercent\":" + batchPercent + ",\"parallelism\":" + parallelism + "}", 202).get("id").asText();
        long waiting = System.nanoTime();
        awaitSettled(service, estate.bearer, id, "BAKING");
        call(service, estate.bearer, "POST", "/v1/releases/" + id + "/pull-in-bastion", null, 200);
        awaitSettled(service, estate.bearer, id, "BAKING");
        call(service, estate.bearer, "POST", "/v1/releases/" + id + "/approve", null, 200);
        double person = (System.nanoTime() - waiting) / 1e9;
        awaitSettled(service, estate.bearer, id, "SUCCEEDED");
        double seconds = (System.nanoTime() - t0) / 1e9;
        long versions;
        try (Connection c = service.connect(); PreparedStatement s = c.prepareStatement("SELECT version FROM app_release WHERE id = ?::uuid")) {
            s.setString(1, id);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                versions = r.getLong(1);
            }
        }
        // The bake's wait is reported apart but stays in the wall time: a person's action is part of the release.
        return new Release(id, seconds, person, versions);
    }

    /**
     * The same release and the same person actions as {@link #rollGood}, waited for as a client
     * following the release does: GET /v1/releases/{id}/events from its cursor every 50 ms (only
     * the events since the last poll), instead of the whole 1,000-instance view each time. The
     * release has baked once its bastion is VERIFIED (smoke passed, nothing running), the bastion
     * is in once it is DONE, and SUCCEEDED comes only when every instance has settled.
     */
    private static Release rollGoodFollowingEvents(RunningService service, Estate estate, int parallelism, int batchPercent)
            throws Exception {
        long t0 = System.nanoTime();
        String id = call(service, estate.bearer, "POST", "/v1/releases", "{\"groupId\":\"" + estate.group + "\",\"versionId\":\""
                + estate.good + "\",\"batchPercent\":" + batchPercent + ",\"parallelism\":" + parallelism + "}", 202).get("id").asText();
        EventFollower events = new EventFollower(service, estate.bearer, id);
        long waiting = System.nanoTime();
        String bastion = events.until(e -> e.path("instance").isTextual() && e.get("to").asText().equals("VERIFIED")).get("instance").asText();
        call(service, estate.bearer, "POST", "/v1/releases/" + id + "/pull-in-bastion", null, 200);
        events.until(e -> e.path("instance").asText("").equals(bastion) && e.get("to").asText().equals("DONE"));
        call(service, estate.bearer, "POST", "/v1/releases/" + id + "/approve", null, 200);
        double person = (System.nanoTime() - waiting) / 1e9;
        events.until(e -> e.path("instance").isNull() && e.get("to").asText().equals("SUCCEEDED"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        JsonNode view = call(service, estate.bearer, "GET", "/v1/releases/" + id, null, 200);
        for (JsonNode i : view.get("instances")) {
            if (!i.get("step").isNull() || !i.get("state").asText().equals("DONE")) {
                throw new IllegalStateException("release " + id + " SUCCEEDED with instance " + i.get("instance").asText() + " "
                        + i.get("state").asText() + " running " + i.get("step"));
            }
        }
        return new Release(id, seconds, person, view.get("version").asLong());
    }

    /** Reads a release's events from where it left off, every 50 ms, until one matches. */
    private static final class EventFollower {
        private final RunningService service;
        private final String bearer;
        private final String id;
        private long after;

        EventFollower(RunningService service, String bearer, String id) {
            this.service = service;
            this.bearer = bearer;
            this.id = id;
        }

        JsonNode until(java.util.function.Predicate<JsonNode> wanted) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
            while (true) {
                JsonNode page = call(service, bearer, "GET", "/v1/releases/" + id + "/events?limit=500&cursor=" + after, null, 200);
                for (JsonNode e : page.get("items")) {
                    after = e.get("seq").asLong();
                    if (wanted.test(e)) {
                        return e;
                    }
                }
                if (!page.path("nextCursor").isTextual()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("release " + id + ": the awaited event did not come in 20 min");
                    }
                    Thread.sleep(50);
                }
            }
        }
    }

    /** The bad version, no bastion: until the brake holds and nothing runs; then the events say who started after it. */
    private static Braked rollBad(RunningService service, Estate estate, int parallelism, int batchPercent, double brakeRatio)
            throws Exception {
        long t0 = System.nanoTime();
        String id = call(service, estate.bearer, "POST", "/v1/releases", "{\"groupId\":\"" + estate.group + "\",\"versionId\":\""
                + estate.bad + "\",\"batchPercent\":" + batchPercent + ",\"parallelism\":" + parallelism + ",\"bastion\":false,"
                + "\"brakeRatio\":" + brakeRatio + "}", 202).get("id").asText();
        JsonNode braked = awaitSettled(service, estate.bearer, id, "BRAKED");
        double seconds = (System.nanoTime() - t0) / 1e9;
        int failed = braked.get("failed").asInt();
        int started = 0;
        Map<String, Integer> batchOf = new HashMap<>();
        for (JsonNode i : braked.get("instances")) {
            batchOf.put(i.get("instance").asText(), i.get("batch").asInt());
            if (!i.get("state").asText().equals("WAITING")) {
                started++;
            }
        }
        long brakeSeq = -1;
        int overshoot = 0;
        int brakeBatch = -1;
        try (Connection c = service.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT seq, instance, to_state FROM release_event WHERE release_id = ?::uuid ORDER BY seq")) {
            s.setString(1, id);
            String lastFailed = null;
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    String instance = r.getString(2);
                    String to = r.getString(3);
                    if (instance == null && to.equals("BRAKED") && brakeSeq < 0) {
                        brakeSeq = r.getLong(1);
                        brakeBatch = lastFailed == null ? -1 : batchOf.get(lastFailed);
                    } else if (instance != null && to.equals("FAILED") && brakeSeq < 0) {
                        lastFailed = instance;
                    } else if (instance != null && to.equals("UPDATING") && brakeSeq >= 0) {
                        overshoot++;
                    }
                }
            }
        }
        if (brakeSeq < 0) {
            throw new IllegalStateException("release " + id + " has no BRAKED event");
        }
        call(service, estate.bearer, "POST", "/v1/releases/" + id + "/abort", null, 200);
        return new Braked(id, seconds, failed, started, brakeBatch, overshoot);
    }

    /**
     * Polls GET /v1/releases/{id} every 50 ms, as a client would, until the release is in
     * {@code state} with no step running; its last view.
     */
    private static JsonNode awaitSettled(RunningService service, String bearer, String id, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(20).toNanos();
        while (true) {
            JsonNode view = call(service, bearer, "GET", "/v1/releases/" + id, null, 200);
            boolean idle = true;
            for (JsonNode i : view.get("instances")) {
                idle &= i.get("step").isNull();
            }
            if (view.get("state").asText().equals(state) && idle) {
                return view;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("release " + id + " is " + view.get("state").asText() + ", not " + state + ", after 20 min");
            }
            Thread.sleep(50);
        }
    }

    private static JsonNode call(RunningService service, String bearer, String method, String path, String body, int expected)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(java.net.URI.create(service.baseUrl + path))
                .header("Authorization", "Bearer " + bearer).timeout(Duration.ofMinutes(5))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = service.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + " (wanted " + expected + "): "
                    + response.body());
        }
        return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String a : args) {
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("options are --name=value: " + a);
            }
            options.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
        }
        return options;
    }

    /** CPU time (user + system) the process has used so far. */
    private static double cpuSeconds(ProcessHandle process) {
        return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for process " + process.pid()))
                .toNanos() / 1e9;
    }

    /**
     * CPU seconds so far of each PostgreSQL backend connected to the service's database, by pid
     * (the bench's PostgreSQL runs on this machine: its backends are processes here). The service
     * keeps its pool's connections, so the same backends serve the whole release.
     */
    private static Map<Integer, Double> backendCpu(RunningService service) throws Exception {
        Map<Integer, Double> cpu = new HashMap<>();
        try (Connection c = service.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
            s.setString(1, service.database);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    int pid = r.getInt(1);
                    ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration()).ifPresent(d -> cpu.put(pid, d.toNanos() / 1e9));
                }
            }
        }
        if (cpu.isEmpty()) {
            throw new IllegalStateException("no PostgreSQL backend of " + service.database + " is a process on this machine; "
                    + "the CPU figure needs the bench's PostgreSQL here");
        }
        return cpu;
    }

    /** CPU seconds the service's backends used since {@code before} (a backend that started since counts whole). */
    private static double backendCpuSince(RunningService service, Map<Integer, Double> before) throws Exception {
        double used = 0;
        for (Map.Entry<Integer, Double> now : backendCpu(service).entrySet()) {
            used += now.getValue() - before.getOrDefault(now.getKey(), 0.0);
        }
        return used;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }

    private ReleaseBench() {
    }
}
