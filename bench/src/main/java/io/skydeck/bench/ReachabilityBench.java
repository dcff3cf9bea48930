package io.skydeck.bench;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.IpAddress;
import io.skydeck.network.policy.Direction;
import io.skydeck.network.policy.PortRange;
import io.skydeck.network.policy.Protocol;
import io.skydeck.network.policy.Remote;
import io.skydeck.network.policy.SecurityGroup;
import io.skydeck.network.policy.SecurityRule;
import io.skydeck.network.reachability.Answer;
import io.skydeck.network.reachability.Endpoint;
import io.skydeck.network.reachability.ExternalRange;
import io.skydeck.network.reachability.Link;
import io.skydeck.network.reachability.Peer;
import io.skydeck.network.reachability.Reachability;
import io.skydeck.network.reachability.Subnet;
import io.skydeck.network.reachability.Topology;
import io.skydeck.network.reachability.Traffic;
import io.skydeck.network.reachability.Vpc;
import org.HdrHistogram.Histogram;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Reachability harness: a seeded estate of {@code --groups} security groups of {@code --rules}
 * rules each, {@code --endpoints} servers and workloads in {@code --vpcs} VPCs (peering links around a ring
 * plus VPN links across it, so most pairs are linked, the rest go over public IPs or cannot meet;
 * half the groups end with an "all traffic out" rule, as provider defaults do), and four external ranges. A seeded stream of questions (random from, to, protocol, port)
 * is answered twice, by {@link Reachability#of} (the rule index) and by
 * {@link Reachability#withoutIndex} (the same path logic reading every rule of every attached group
 * from the policy records) — the baseline — in alternating blocks, so both see the same noise. Each
 * call is timed with {@code System.nanoTime()} into an HdrHistogram. The two must give equal
 * answers; the harness counts any difference.
 *
 * <p>That library pass is the secondary figure, printed on a line labelled "library only". Then the
 * same estate is written into the packaged service's tables and the same question mix is sent to
 * {@code POST /v1/networks/reachability} (see {@link ReachabilityEndpoint}); the last line, the
 * figure line in the format bench/README.md records, is of that endpoint: what production runs.
 */
public final class ReachabilityBench {

    private static final int[] PORTS = {22, 53, 80, 443, 3306, 5432, 6379, 8080, 8443, 9000};
    private static final int BLOCK = 10_000;
    private static final long DEADLINE_NANOS = 120_000_000_000L;

    record Question(String from, String to, Traffic traffic) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        int groups = Integer.parseInt(options.getOrDefault("groups", "1000"));
        int rulesPerGroup = Integer.parseInt(options.getOrDefault("rules", "20"));
        int endpoints = Integer.parseInt(options.getOrDefault("endpoints", "4000"));
        int vpcs = Integer.parseInt(options.getOrDefault("vpcs", "8"));
        int queries = Integer.parseInt(options.getOrDefault("queries", "200000"));
        int warmup = Integer.parseInt(options.getOrDefault("warmup", "200000"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        var endpoint = new ReachabilityEndpoint.Options(
                java.nio.file.Path.of(options.getOrDefault("jar", "src/target/quarkus-app/quarkus-run.jar")).toAbsolutePath(),
                Double.parseDouble(options.getOrDefault("rate", "1000")),
                java.time.Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "20"))),
                java.time.Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup-seconds", "150"))),
                Integer.parseInt(options.getOrDefault("connections", "16")),
                Integer.parseInt(options.getOrDefault("check", "500")));
        if (vpcs < 2 || vpcs > 200 || endpoints > vpcs * 3 * 1000) {
            throw new IllegalArgumentException("--vpcs must be 2..200 and --endpoints at most 3,000 per VPC");
        }

        System.out.printf(Locale.ROOT, "jvm: %s %s (%s), gc: %s%n", System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"), System.getProperty("java.vm.vendor"), collectors());
        System.out.printf(Locale.ROOT, "jvm args: %s%n", ManagementFactory.getRuntimeMXBean().getInputArguments());
        System.out.printf(Locale.ROOT, "cores: %d, max heap: %d MiB, load average: %.2f%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "parameters: groups=%d, rules per group=%d, endpoints=%d, vpcs=%d, queries=%d, warmup=%d, seed=%d; "
                        + "endpoint: rate=%.0f/s for %d s after %d s warm-up, %d connections, %d answers checked%n",
                groups, rulesPerGroup, endpoints, vpcs, queries, warmup, seed, endpoint.rate(), endpoint.seconds().toSeconds(),
                endpoint.warmup().toSeconds(), endpoint.connections(), endpoint.check());

        Random random = new Random(seed);
        Topology topology = topology(random, groups, rulesPerGroup, endpoints, vpcs);
        long totalRules = topology.groups().stream().mapToLong(g -> g.rules().size()).sum();
        double groupsPerEndpoint = topology.peers().stream().filter(p -> p instanceof Endpoint)
                .mapToInt(p -> ((Endpoint) p).groupIds().size()).average().orElse(0);
        System.out.printf(Locale.ROOT, "topology: %d VPCs, %d links, %d groups, %d rules, %d endpoints (%.2f groups each on average), %d external ranges%n",
                topology.vpcs().size(), topology.links().size(), topology.groups().size(), totalRules, endpoints, groupsPerEndpoint,
                topology.peers().size() - endpoints);

        long t0 = System.nanoTime();
        Reachability indexed = Reachability.of(topology);
        long t1 = System.nanoTime();
        Reachability scanned = Reachability.withoutIndex(topology);
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "library build: index %.1f ms, baseline %.1f ms (once per topology, not in the query figures)%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6);

        List<Question> warmupStream = questions(new Random(seed + 1), topology.peers(), warmup);
        long sink = 0;
        for (Question q : warmupStream) {
            sink += indexed.analyze(q.from(), q.to(), q.traffic()).reachable() ? 1 : 0;
            sink += scanned.analyze(q.from(), q.to(), q.traffic()).reachable() ? 1 : 0;
        }

        List<Question> stream = questions(random, topology.peers(), queries);
        Histogram indexedNanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Histogram scannedNanos = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        Map<String, Integer> outcomes = new TreeMap<>();
        long indexedWall = 0;
        long scannedWall = 0;
        int measured = 0;
        int differing = 0;
        long start = System.nanoTime();
        for (int from = 0; from < stream.size() && System.nanoTime() - start < DEADLINE_NANOS; from += BLOCK) {
            List<Question> block = stream.subList(from, Math.min(stream.size(), from + BLOCK));
            Answer[] answers = new Answer[block.size()];
            Answer[] baselineAnswers = new Answer[block.size()];
            long b0 = System.nanoTime();
            for (int i = 0; i < block.size(); i++) {
                Question q = block.get(i);
                long s = System.nanoTime();
                answers[i] = indexed.analyze(q.from(), q.to(), q.traffic());
                indexedNanos.recordValue(Math.min(System.nanoTime() - s, indexedNanos.getHighestTrackableValue()));
            }
            long b1 = System.nanoTime();
            for (int i = 0; i < block.size(); i++) {
                Question q = block.get(i);
                long s = System.nanoTime();
                baselineAnswers[i] = scanned.analyze(q.from(), q.to(), q.traffic());
                scannedNanos.recordValue(Math.min(System.nanoTime() - s, scannedNanos.getHighestTrackableValue()));
            }
            long b2 = System.nanoTime();
            for (int i = 0; i < block.size(); i++) {
                differing += baselineAnswers[i].equals(answers[i]) ? 0 : 1;
            }
            indexedWall += b1 - b0;
            scannedWall += b2 - b1;
            measured += block.size();
            for (Answer a : answers) {
                outcomes.merge(a.reachable() ? "reachable " + a.path().get().kind() : "denied at " + ((Answer.Unreachable) a).hop(), 1, Integer::sum);
            }
        }
        if (measured < stream.size()) {
            System.out.println("stopped at the deadline of " + DEADLINE_NANOS / 1_000_000_000 + " s");
        }

        System.out.printf(Locale.ROOT, "library: answered %d questions (warm-up sink %d); outcomes: %s%n", measured, sink, outcomes);
        System.out.printf(Locale.ROOT, "library: answers differing between index and baseline: %d%n", differing);
        print("index   ", indexedNanos, measured, indexedWall);
        print("baseline", scannedNanos, measured, scannedWall);
        System.out.printf(Locale.ROOT, "library baseline / index: mean %.2fx, p99 %.2fx, throughput %.2fx%n",
                scannedNanos.getMean() / indexedNanos.getMean(),
                (double) scannedNanos.getValueAtPercentile(99) / indexedNanos.getValueAtPercentile(99),
                (double) scannedWall / indexedWall);
        System.out.printf(Locale.ROOT, "library only (Reachability.analyze on a built index; no HTTP, JWT, database or JSON): "
                        + "queries_per_s=%d p99_ms=%.4f groups=%d rules=%d%n",
                Math.round(measured / (indexedWall / 1e9)), indexedNanos.getValueAtPercentile(99) / 1e6, topology.groups().size(), totalRules);
        if (differing > 0) {
            System.exit(1);
        }

        // The figure: the same estate and question mix through the service's endpoint.
        FixedRateLoad.Result served;
        try {
            served = new ReachabilityEndpoint(topology).run(endpoint, warmupStream, stream);
        } catch (Exception | Error e) {
            e.printStackTrace();
            served = null; // the HTTP clients' threads would keep the JVM alive
        }
        if (served == null) {
            System.exit(1);
        }
        System.out.printf(Locale.ROOT, "load average: %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "reachability queries_per_s=%.0f p99_ms=%.2f groups=%d rules=%d%n",
                served.achievedOkPerSecond(), served.p(99), topology.groups().size(), totalRules);
        System.exit(served.ok() == served.sent() ? 0 : 1);
    }

    /** Not PlacementBench's: loading that class needs the placement jar, which this harness does not put on its class path. */
    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("options look like --groups=1000, not " + arg);
            }
            options.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
        }
        return options;
    }

    private static String collectors() {
        List<String> names = new ArrayList<>();
        ManagementFactory.getGarbageCollectorMXBeans().forEach(gc -> names.add(gc.getName()));
        return String.join(", ", names);
    }

    private static void print(String name, Histogram nanos, int measured, long wallNanos) {
        System.out.printf(Locale.ROOT, "library %s latency ms: p50 %.4f, p90 %.4f, p99 %.4f, p99.9 %.4f, max %.4f; %d queries/s (calls ÷ wall time of its blocks)%n",
                name, nanos.getValueAtPercentile(50) / 1e6, nanos.getValueAtPercentile(90) / 1e6, nanos.getValueAtPercentile(99) / 1e6,
                nanos.getValueAtPercentile(99.9) / 1e6, nanos.getMaxValue() / 1e6, Math.round(measured / (wallNanos / 1e9)));
    }

    /**
     * VPC v is 10.v.0.0/16 (and fd00:v::/48) with subnets 10.v.0.0/22, 10.v.4.0/22, 10.v.8.0/22 in
     * zones a, b, c. Links: peering from v to v+1 and v+2 (around the ring), a VPN from v to
     * v + n/2; with 8 VPCs each is linked to 5 of the other 7, the rest meet over public IPs. Endpoints
     * are dealt round-robin over VPCs and subnets; each has 1–5 groups (mostly from a window of 50
     * around its own number, so remote-group rules find members), 30 % a public IPv4 address.
     */
    private static Topology topology(Random random, int groupCount, int rulesPerGroup, int endpointCount, int vpcCount) {
        List<Vpc> vpcs = new ArrayList<>();
        for (int v = 0; v < vpcCount; v++) {
            List<Subnet> subnets = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                subnets.add(new Subnet("subnet-" + v + "-" + s, "zone-" + (char) ('a' + s), Cidr.parse("10." + v + "." + (4 * s) + ".0/22")));
            }
            vpcs.add(new Vpc("vpc-" + v, List.of(Cidr.parse("10." + v + ".0.0/16"), Cidr.parse("fd00:" + Integer.toHexString(v) + "::/48")), subnets));
        }
        List<Link> links = new ArrayList<>();
        for (int v = 0; v < vpcCount; v++) {
            for (int step : new int[] {1, 2, vpcCount / 2}) {
                int other = (v + step) % vpcCount;
                if (other != v && !linked(links, v, other)) {
                    boolean vpn = step == vpcCount / 2 && step > 2;
                    links.add(new Link((vpn ? "vpn-" : "peering-") + v + "-" + other, vpn ? Link.Kind.VPN : Link.Kind.PEERING,
                            "vpc-" + v, "vpc-" + other));
                }
            }
        }
        List<String> ranges = new ArrayList<>(List.of("0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16", "203.0.113.0/24", "::/0", "fd00::/8"));
        for (int v = 0; v < vpcCount; v++) {
            ranges.add("10." + v + ".0.0/16");
            ranges.add("10." + v + ".4.0/22");
        }
        List<SecurityGroup> groups = new ArrayList<>();
        for (int g = 0; g < groupCount; g++) {
            List<SecurityRule> rules = new ArrayList<>();
            while (rules.size() < rulesPerGroup) {
                Direction direction = random.nextInt(10) < 6 ? Direction.INGRESS : Direction.EGRESS;
                int p = random.nextInt(100);
                Protocol protocol = p < 60 ? Protocol.TCP : p < 75 ? Protocol.UDP : p < 88 ? Protocol.ICMP : Protocol.ANY;
                PortRange ports = PortRange.ALL;
                if (protocol.hasPorts()) {
                    int kind = random.nextInt(10);
                    int port = PORTS[random.nextInt(PORTS.length)];
                    ports = kind < 7 ? PortRange.of(port) : kind < 9 ? new PortRange(port, Math.min(PortRange.MAX, port + 1000)) : PortRange.ALL;
                }
                Remote remote;
                int r = random.nextInt(10);
                if (r < 5) {
                    remote = new Remote.Group("sg-" + Math.floorMod(g + random.nextInt(51) - 25, groupCount));
                } else if (r < 9) {
                    remote = new Remote.Range(Cidr.parse(ranges.get(random.nextInt(ranges.size()))));
                } else {
                    int v = random.nextInt(vpcCount);
                    remote = new Remote.Range(Cidr.parse("10." + v + "." + random.nextInt(12) + "." + (1 + random.nextInt(250)) + "/32"));
                }
                SecurityRule rule = new SecurityRule(direction, protocol, ports, remote);
                if (!rules.contains(rule)) {
                    rules.add(rule);
                }
            }
            // Half the groups keep the providers' default "all traffic out" rule, last, so a scan meets it after the others
            // (unless the group drew it already: the service holds no group with a rule twice).
            SecurityRule allOut = new SecurityRule(Direction.EGRESS, Protocol.ANY, PortRange.ALL, new Remote.Range(Cidr.parse("0.0.0.0/0")));
            if (random.nextBoolean() && !rules.contains(allOut)) {
                rules.set(rules.size() - 1, allOut);
            }
            groups.add(new SecurityGroup("sg-" + g, "tenant-" + g % 50, "group-" + g, rules));
        }
        List<Peer> peers = new ArrayList<>();
        for (int e = 0; e < endpointCount; e++) {
            int v = e % vpcCount;
            int s = (e / vpcCount) % 3;
            Subnet subnet = vpcs.get(v).subnets().get(s);
            IpAddress address = subnet.cidr().address(1 + e / (vpcCount * 3));
            int home = (int) ((long) e * groupCount / endpointCount);
            List<String> attached = new ArrayList<>();
            int count = 1 + random.nextInt(5);
            while (attached.size() < count) {
                String id = "sg-" + Math.floorMod(home + random.nextInt(51) - 25, groupCount);
                if (!attached.contains(id)) {
                    attached.add(id);
                }
            }
            Optional<IpAddress> publicAddress = random.nextInt(10) < 3
                    ? Optional.of(IpAddress.parse("198.18.0.0").plus(e + 1)) : Optional.empty();
            peers.add(new Endpoint("ep-" + e, e % 3 == 0 ? Endpoint.Kind.WORKLOAD : Endpoint.Kind.SERVER, "vpc-" + v, subnet.id(),
                    address, attached, publicAddress));
        }
        peers.add(new ExternalRange("internet", ExternalRange.Kind.INTERNET, Cidr.parse("0.0.0.0/0")));
        peers.add(new ExternalRange("internet-v6", ExternalRange.Kind.INTERNET, Cidr.parse("::/0")));
        peers.add(new ExternalRange("office", ExternalRange.Kind.ON_PREMISES, Cidr.parse("192.168.0.0/16")));
        peers.add(new ExternalRange("partner", ExternalRange.Kind.ON_PREMISES, Cidr.parse("203.0.113.0/24")));
        return new Topology(vpcs, links, groups, peers);
    }

    private static boolean linked(List<Link> links, int a, int b) {
        String x = "vpc-" + a;
        String y = "vpc-" + b;
        return links.stream().anyMatch(l -> (l.vpcA().equals(x) && l.vpcB().equals(y)) || (l.vpcA().equals(y) && l.vpcB().equals(x)));
    }

    /** 95 % between two endpoints, 5 % with an external range on one side; 45 % tcp, 15 % udp, 30 % icmp, 10 % all traffic. */
    private static List<Question> questions(Random random, List<Peer> peers, int count) {
        List<Peer> endpoints = peers.stream().filter(p -> p instanceof Endpoint).toList();
        List<Peer> external = peers.stream().filter(p -> p instanceof ExternalRange).toList();
        List<Question> questions = new ArrayList<>(count);
        while (questions.size() < count) {
            Peer from = endpoints.get(random.nextInt(endpoints.size()));
            Peer to = endpoints.get(random.nextInt(endpoints.size()));
            if (random.nextInt(20) == 0) {
                Peer outside = external.get(random.nextInt(external.size()));
                if (random.nextBoolean()) {
                    from = outside;
                } else {
                    to = outside;
                }
            }
            if (from == to) {
                continue;
            }
            int p = random.nextInt(100);
            int port = PORTS[random.nextInt(PORTS.length)];
            Traffic traffic = p < 45 ? Traffic.tcp(port) : p < 60 ? Traffic.udp(port) : p < 90 ? Traffic.icmp() : Traffic.any();
            questions.add(new Question(from.id(), to.id(), traffic));
        }
        return questions;
    }
}
