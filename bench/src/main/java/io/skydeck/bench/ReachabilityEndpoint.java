package io.skydeck.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.skydeck.network.address.Cidr;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.reachability.Answer;
import io.skydeck.network.reachability.DecidingRule;
import io.skydeck.network.reachability.Endpoint;
import io.skydeck.network.reachability.ExternalRange;
import io.skydeck.network.reachability.Path;
import io.skydeck.network.reachability.Peer;
import io.skydeck.network.reachability.Reachability;
import io.skydeck.network.reachability.Topology;
import io.skydeck.network.reachability.Traffic;
import io.vertx.core.http.HttpMethod;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The production path of a reachability question: {@code POST /v1/networks/reachability} of the
 * packaged service on its embedded defaults (started as {@link ApiBench} starts it), with a real
 * tenant JWT, on the harness's drawn estate written into the service's tables by
 * {@link ServiceEstate}. Per question the service checks the token, resolves the tenant, reads the
 * tenant's topology version (one primary-key query), reuses its cached index (built by the first
 * question), finds both endpoints and writes the verdict as JSON — all of that is in the latency.
 *
 * <p>Before anything is timed the rows are checked through the API (a network, a group's rules, a
 * server, a public IP) and a sample of questions is answered by both the endpoint and the library
 * on the estate as the service reads it; any difference fails the run. The load is open-loop at a
 * fixed rate ({@link FixedRateLoad}), so the throughput printed is what was offered and answered,
 * not the most the service can answer.
 */
final class ReachabilityEndpoint {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Options(java.nio.file.Path jar, double rate, Duration seconds, Duration warmup, int connections, int check) {
    }

    private final Topology drawn;
    private final Map<String, Peer> drawnPeers = new HashMap<>();
    private ServiceEstate estate;
    private Reachability library;
    private final Map<String, Peer> servicePeers = new HashMap<>();
    /** Group names by the rows' ids. */
    private final Map<String, String> groupNames = new HashMap<>();

    ReachabilityEndpoint(Topology drawn) {
        this.drawn = drawn;
        drawn.peers().forEach(p -> drawnPeers.put(p.id(), p));
    }

    /** Starts the service, seeds and checks the estate, then the warm-up and the measured phase; null when a check failed. */
    FixedRateLoad.Result run(Options options, List<ReachabilityBench.Question> warmupStream, List<ReachabilityBench.Question> stream)
            throws Exception {
        java.nio.file.Path work = Files.createTempDirectory("skydeck-reachability-");
        java.nio.file.Path topologyFile = work.resolve("api-topology.json");
        try (InputStream in = ReachabilityEndpoint.class.getResourceAsStream("/api-topology.json")) {
            Files.copy(in, topologyFile, StandardCopyOption.REPLACE_EXISTING);
        }
        List<String> serviceOptions = new ArrayList<>(List.of(
                "-Dskydeck.data-dir=" + work.resolve("data"),
                "-Dskydeck.sandbox.realistic-latency=false",
                "-Dskydeck.sandbox.topology-file=" + topologyFile,
                // The seeded rows have no objects in the sandbox: drift sync would report 13,000 ghosts every interval.
                "-Dskydeck.drift.interval=off",
                "-Dquarkus.log.level=WARN",
                "-Dquarkus.log.category.\"io.skydeck.platform.embedded\".level=INFO"));
        String extra = System.getProperty("skydeck.bench.service-options", "");
        if (!extra.isBlank()) {
            serviceOptions.addAll(List.of(extra.trim().split("\\s+")));
        }
        var replicas = new SoakReplicas(options.jar(), work, 1, serviceOptions, Map.of());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newFixedThreadPool(2)).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            long t0 = System.nanoTime();
            replicas.start(0);
            replicas.awaitReady(0, Duration.ofSeconds(180));
            String base = replicas.url(0);
            String admin = ServiceTokens.token(options.jar(), work, "--role", "admin");
            JsonNode tenant = call(http, "POST", base + "/v1/tenants", admin, "{\"name\":\"reach\",\"displayName\":\"Reachability\","
                    + "\"quota\":{\"vcpu\":1000000,\"memoryGib\":10000000,\"servers\":1000000,\"workloads\":10,\"publicIps\":2000}}");
            UUID tenantId = UUID.fromString(tenant.get("id").asText());
            String bearer = ServiceTokens.token(options.jar(), work, "--role", "tenant", "--tenant", tenantId.toString());
            UUID projectId = UUID.fromString(call(http, "POST", base + "/v1/tenants/" + tenantId + "/projects", bearer,
                    "{\"name\":\"reach\"}").get("id").asText());
            System.out.printf(Locale.ROOT, "endpoint: service %s ready and tenant made in %.1f s at %s, log in %s; %s%n", options.jar(),
                    (System.nanoTime() - t0) / 1e9, base, work, FixedRateLoad.clientJvm());

            String database = databaseUrl(work);
            long s0 = System.nanoTime();
            estate = ServiceEstate.seed(database, drawn, tenantId, projectId);
            Topology asRead = estate.asServiceReadsIt();
            asRead.peers().forEach(p -> servicePeers.put(p.id(), p));
            asRead.groups().forEach(g -> groupNames.put(g.id(), g.name()));
            library = Reachability.of(asRead);
            System.out.printf(Locale.ROOT, "endpoint: seeded %d networks, %d subnets, %d links, %d groups, %d rules, %d servers, %d public IPs "
                            + "with JDBC in %.1f s (one transaction, then ANALYZE); topology version %d%n",
                    asRead.vpcs().size(), asRead.vpcs().stream().mapToInt(v -> v.subnets().size()).sum(), asRead.links().size(),
                    asRead.groups().size(), asRead.groups().stream().mapToInt(g -> g.rules().size()).sum(),
                    servicePeers.size(), estate.publicIpOf.size(), (System.nanoTime() - s0) / 1e9, topologyVersion(database, tenantId));

            List<String> mismatches = new ArrayList<>(objectsThroughApi(http, base, bearer));
            int sample = Math.min(options.check(), stream.size());
            long c0 = System.nanoTime();
            for (int i = 0; i < sample; i++) {
                ReachabilityBench.Question q = stream.get(i);
                JsonNode got = strip(call(http, "POST", base + "/v1/networks/reachability", bearer, body(q)));
                JsonNode expected = strip(expected(q));
                if (!got.equals(expected) && mismatches.size() < 20) {
                    mismatches.add("question " + i + " " + body(q) + ": endpoint " + got + ", library " + expected);
                }
            }
            System.out.printf(Locale.ROOT, "endpoint: checked 4 objects through GET and %d answers against the library on the same estate "
                    + "(one at a time, %.1f s, the first built the service's index): %d mismatches%n", sample, (System.nanoTime() - c0) / 1e9,
                    mismatches.size());
            if (!mismatches.isEmpty()) {
                mismatches.forEach(m -> System.out.println("MISMATCH " + m));
                return null;
            }

            int port = URI.create(base).getPort();
            Map<String, String> headers = Map.of("Authorization", "Bearer " + bearer, "Content-Type", "application/json");
            try (var load = new FixedRateLoad("127.0.0.1", port, options.connections())) {
                load.run("warm-up", options.rate(), options.warmup(),
                        i -> new FixedRateLoad.Call(HttpMethod.POST, "/v1/networks/reachability", headers,
                                body(warmupStream.get(i % warmupStream.size()))), 200);
                long before = topologyVersion(database, tenantId);
                var cpu = ApiBench.CpuCost.Reading.now(replicas);
                // A process of its own that only sleeps 1 ms at a time: what the machine did to every process during the phase.
                JitterProbe.Running probe = JitterProbe.start(options.seconds());
                var result = load.run("reachability", options.rate(), options.seconds(),
                        i -> new FixedRateLoad.Call(HttpMethod.POST, "/v1/networks/reachability", headers,
                                body(stream.get(i % stream.size()))), 200);
                var cost = ApiBench.CpuCost.Reading.now(replicas).since(cpu, result.sent());
                long after = topologyVersion(database, tenantId);
                System.out.println("endpoint phase machine " + probe.line());
                System.out.printf(Locale.ROOT, "endpoint phase reachability rate=%.0f/s sent=%d ok=%d ok_per_s=%.0f errors=%d statuses=%s "
                                + "p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f %s %s; topology version %d before, %d after%n",
                        result.rate(), result.sent(), result.ok(), result.achievedOkPerSecond(), result.errors(), result.byStatus(),
                        result.p(50), result.p(90), result.p(99), result.p(99.9), result.latencyMicros().getMaxValue() / 1000.0, cost,
                        result.lateness(), before, after);
                if (before != after) {
                    System.out.println("MISMATCH the topology version moved during the measured phase: the service rebuilt its index");
                    return null;
                }
                return result;
            }
        } finally {
            replicas.close();
        }
    }

    /** A question as the API takes it: servers by their ids, an external range by its CIDR. */
    private String body(ReachabilityBench.Question q) {
        StringBuilder b = new StringBuilder("{\"from\":").append(side(q.from())).append(",\"to\":").append(side(q.to()))
                .append(",\"protocol\":\"").append(q.traffic().protocol().label()).append('"');
        if (q.traffic().protocol().hasPorts()) {
            b.append(",\"port\":").append(q.traffic().port());
        }
        return b.append('}').toString();
    }

    private String side(String drawnId) {
        Peer p = drawnPeers.get(drawnId);
        return p instanceof ExternalRange range ? "{\"cidr\":\"" + range.cidr() + "\"}" : "{\"server\":\"" + estate.ids.get(drawnId) + "\"}";
    }

    /** What ReachabilityService answers, from the library on the estate as it reads it, in the Verdict's JSON form. */
    private JsonNode expected(ReachabilityBench.Question q) {
        Answer answer = library.analyze(servicePeer(q.from()), servicePeer(q.to()), q.traffic());
        ObjectNode v = JSON.createObjectNode();
        v.put("reachable", answer.reachable());
        answer.path().ifPresent(p -> v.put("path", p.kind().name()));
        answer.path().filter(p -> p instanceof Path.ViaLink).ifPresent(p -> v.put("link", ((Path.ViaLink) p).linkId()));
        if (answer instanceof Answer.Reachable yes) {
            yes.egress().ifPresent(r -> v.set("egress", rule(r)));
            yes.ingress().ifPresent(r -> v.set("ingress", rule(r)));
        } else {
            Answer.Unreachable no = (Answer.Unreachable) answer;
            v.put("deniedAt", no.hop().name());
            v.put("reason", no.reason());
        }
        return v;
    }

    private Peer servicePeer(String drawnId) {
        Peer p = drawnPeers.get(drawnId);
        if (p instanceof ExternalRange range) {
            Cidr cidr = Cidr.parse(range.cidr().toString());
            return new ExternalRange("cidr:" + cidr, ExternalRange.Kind.INTERNET, cidr);
        }
        return servicePeers.get(estate.ids.get(drawnId).toString());
    }

    /** As ReachabilityService.RuleView.of: a remote group named by the name the tenant gave it. */
    private ObjectNode rule(DecidingRule r) {
        String text = r.rule().toString();
        if (r.rule().remote() instanceof Remote.Group remote) {
            String name = groupNames.get(remote.groupId());
            if (name != null) {
                text = text.replace(remote.groupId(), name);
            }
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("groupId", r.groupId());
        n.put("group", r.groupName());
        n.put("rule", r.ruleIndex());
        n.put("text", text);
        return n;
    }

    /** A verdict without its null fields, whichever way the service's mapper writes them. */
    private static JsonNode strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            ObjectNode copy = JSON.createObjectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isNull()) {
                    copy.set(e.getKey(), strip(e.getValue()));
                }
            }
            return copy;
        }
        return node;
    }

    /** A network, a security group, a server and a public IP as the API shows them, against what was seeded. */
    private List<String> objectsThroughApi(HttpClient http, String base, String bearer) throws Exception {
        List<String> wrong = new ArrayList<>();
        var vpc = drawn.vpcs().get(1);
        JsonNode network = call(http, "GET", base + "/v1/networks/" + estate.ids.get(vpc.id()), bearer, null);
        expect(wrong, "network cidr", vpc.cidrs().get(0).toString(), network.path("cidr").asText());
        expect(wrong, "network status", "AVAILABLE", network.path("status").asText());
        expect(wrong, "network subnets", String.valueOf(vpc.subnets().size()), String.valueOf(network.path("subnets").size()));

        var group = drawn.groups().get(7);
        UUID groupId = estate.ids.get(group.id());
        JsonNode view = call(http, "GET", base + "/v1/security-groups/" + groupId, bearer, null);
        expect(wrong, "group status", "AVAILABLE", view.path("status").asText());
        expect(wrong, "group rules", strip(JSON.valueToTree(Map.of("r", estate.storedRules.get(groupId)))).toString(),
                strip(JSON.createObjectNode().set("r", view.path("rules"))).toString());

        UUID server = estate.publicIpOf.keySet().stream().sorted().findFirst().orElseThrow();
        JsonNode serverView = call(http, "GET", base + "/v1/servers/" + server, bearer, null);
        Endpoint seeded = (Endpoint) servicePeers.get(server.toString());
        expect(wrong, "server status", "ACTIVE", serverView.path("status").asText());
        expect(wrong, "server address", seeded.privateAddress().toString(), serverView.path("network").path("privateAddress").asText());
        expect(wrong, "server network", seeded.vpcId(), serverView.path("network").path("networkId").asText());

        JsonNode ip = call(http, "GET", base + "/v1/public-ips/" + estate.publicIpOf.get(server), bearer, null);
        expect(wrong, "public IP address", estate.publicAddressOf.get(server), ip.path("address").asText());
        expect(wrong, "public IP server", server.toString(), ip.path("serverId").asText());
        expect(wrong, "public IP status", "ALLOCATED", ip.path("status").asText());
        return wrong;
    }

    private static void expect(List<String> wrong, String what, String expected, String got) {
        if (!expected.equals(got)) {
            wrong.add(what + ": seeded " + expected + ", the API shows " + got);
        }
    }

    private static long topologyVersion(String url, UUID tenantId) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", "");
             var s = c.prepareStatement("SELECT coalesce((SELECT sum(version) FROM network_topology_version WHERE tenant_id = ?), 0)")) {
            s.setObject(1, tenantId);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The embedded PostgreSQL's JDBC URL, as the service logged it at start-up (as ApiBench finds it). */
    private static String databaseUrl(java.nio.file.Path work) throws Exception {
        Pattern port = Pattern.compile("embedded PostgreSQL .* on 127\\.0\\.0\\.1:(\\d+)");
        try (var logs = Files.list(work)) {
            for (java.nio.file.Path log : logs.filter(p -> p.getFileName().toString().startsWith("replica-1")).toList()) {
                Matcher m = port.matcher(Files.readString(log));
                if (m.find()) {
                    return "jdbc:postgresql://127.0.0.1:" + m.group(1) + "/postgres";
                }
            }
        }
        throw new IllegalStateException("the service did not log its embedded PostgreSQL's port; see " + work);
    }

    private static JsonNode call(HttpClient http, String method, String url, String bearer, String body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer);
        if (body == null) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json").header("Idempotency-Key", UUID.randomUUID().toString())
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + url + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
