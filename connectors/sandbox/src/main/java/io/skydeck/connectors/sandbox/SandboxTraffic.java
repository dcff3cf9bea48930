package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.TrafficTarget;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The sandbox's simulated users, for releases: the load balancers as {@link SandboxTrafficControl}
 * left them, the traffic each instance served (the metric source of release analysis), and the
 * versions marked defective ({@link ArtifactDefect}), which fail ignition checks and serve worse
 * numbers. Everything lives in the sandbox's state, so every replica sharing the sandbox reads
 * the same answers, and the same calls at the same instants give the same numbers.
 *
 * <h2>The traffic model</h2>
 * Each instance serves a steady rate of 20 to 30 requests per second, fixed by a hash of its id;
 * over a window of {@code s} whole seconds it served {@code rate × s} requests. With a sound
 * artifact it answers 0 to 4 in 10,000 of them with errors and has a p99 latency of 80 to 120 ms,
 * both fixed by a hash of instance and artifact. A defective artifact changes that:
 * <ul>
 *   <li>on an instance where it fails ignition ({@link ArtifactDefect#failsIgnitionOn}), every
 *       request fails and the p99 is the clients' timeout, {@link ArtifactDefect#CLIENT_TIMEOUT};</li>
 *   <li>elsewhere, another {@link ArtifactDefect#errorPercent()} of the requests fail and the p99
 *       grows by {@link ArtifactDefect#addedLatency()}.</li>
 * </ul>
 * The model does not replay history: an instance is measured as if it had served its current
 * artifact for the whole window, whether or not it was in a load balancer, and weights and header
 * routes do not change its rate. Where a single request goes under a header route is answered by
 * {@link #route}. Analysis that compares a canary with the rest of its group sees
 * the difference the artifacts make, which is what it is for.
 */
public final class SandboxTraffic {
    private static final int BASE_RATE_PER_SECOND = 20;
    private static final Duration BASE_P99 = Duration.ofMillis(80);

    private final SandboxCloud cloud;

    SandboxTraffic(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    /**
     * What each instance served in the {@code window} that ends now on the sandbox's clock, in the
     * order asked.
     *
     * @throws io.skydeck.connectors.spi.ResourceNotFound for an instance that does not exist
     */
    public List<TrafficMeasurement> measure(Collection<String> instanceIds, Duration window) {
        if (window.getSeconds() < 1) {
            throw new IllegalArgumentException("a measurement window is at least one second: " + window);
        }
        return cloud.read(SandboxCall.READ_TRAFFIC, () -> {
            var state = cloud.state();
            var to = cloud.clock().instant();
            var from = to.minus(window);
            return instanceIds.stream().map(id -> {
                var instance = SandboxInstance.find(state, id)
                        .orElseThrow(() -> cloud.notFound(id.contains("/") ? ResourceType.WORKLOAD : ResourceType.SERVER, id));
                var defect = Optional.ofNullable(state.artifactDefects.get(instance.artifact()));
                return measured(instance.id(), instance.artifact(), defect, window.getSeconds(), from, to);
            }).toList();
        });
    }

    private static TrafficMeasurement measured(String instanceId, String artifact, Optional<ArtifactDefect> defect, long seconds,
                                               Instant from, Instant to) {
        long requests = (BASE_RATE_PER_SECOND + ArtifactDefect.bucket(instanceId, 11)) * seconds;
        String served = instanceId + "\n" + artifact;
        if (defect.isPresent() && defect.get().failsIgnitionOn(instanceId)) {
            return new TrafficMeasurement(instanceId, artifact, from, to, requests, requests, ArtifactDefect.CLIENT_TIMEOUT);
        }
        long errors = requests * ArtifactDefect.bucket("errors\n" + served, 5) / 10_000;
        Duration p99 = BASE_P99.plusMillis(ArtifactDefect.bucket("p99\n" + served, 41));
        if (defect.isPresent()) {
            errors = Math.min(requests, errors + requests * defect.get().errorPercent() / 100);
            p99 = p99.plus(defect.get().addedLatency());
        }
        return new TrafficMeasurement(instanceId, artifact, from, to, requests, errors, p99);
    }

    /**
     * The instances that may answer a request carrying {@code headers} (name to value; names are
     * matched ignoring case) sent to {@code target}, as its load balancer routes it — what a test
     * or the console asks to see an A/B split work. Without a header route, every member that
     * still exists. With one, a request that carries the route's header with its value goes to the
     * route's variant instances that are members, every other request to the members that are not
     * variants. A route on the {@code Cookie} header matches when the value is one of the request's
     * cookie pairs ({@code ab=b} in {@code Cookie: id=7; ab=b}). When the side a request belongs to
     * has no member, the other side answers it, as a listener rule whose target group is empty
     * falls through to the default action.
     */
    public Set<String> route(TrafficTarget target, Map<String, String> headers) {
        return cloud.<Set<String>>read(SandboxCall.READ_TRAFFIC, () -> {
            var state = cloud.state();
            var lb = state.loadBalancers.get(SandboxLoadBalancer.key(target.region(), target.id()));
            if (lb == null) {
                return Set.of();
            }
            Set<String> members = lb.members().stream().filter(id -> SandboxInstance.find(state, id).isPresent())
                    .collect(Collectors.toCollection(TreeSet::new));
            if (lb.headerRoute().isEmpty()) {
                return members;
            }
            var route = lb.headerRoute().get();
            Set<String> variant = new TreeSet<>(members);
            variant.retainAll(route.variantInstances());
            Set<String> rest = new TreeSet<>(members);
            rest.removeAll(route.variantInstances());
            Set<String> chosen = matches(route, headers) ? variant : rest;
            return chosen.isEmpty() ? (chosen == variant ? rest : variant) : chosen;
        });
    }

    private static boolean matches(SandboxLoadBalancer.HeaderRoute route, Map<String, String> headers) {
        for (var header : headers.entrySet()) {
            if (!header.getKey().equalsIgnoreCase(route.header()) || header.getValue() == null) {
                continue;
            }
            if (route.header().equalsIgnoreCase("Cookie")) {
                for (String pair : header.getValue().split(";")) {
                    if (pair.trim().equals(route.value())) {
                        return true;
                    }
                }
            } else if (header.getValue().trim().equals(route.value())) {
                return true;
            }
        }
        return false;
    }

    /** The load balancer behind {@code target}; empty until a release first used it. */
    public Optional<SandboxLoadBalancer> loadBalancer(TrafficTarget target) {
        return cloud.read(SandboxCall.READ_TRAFFIC,
                () -> Optional.ofNullable(cloud.state().loadBalancers.get(SandboxLoadBalancer.key(target.region(), target.id()))));
    }

    /** Marks a version bad from now on, replacing an earlier mark of the same artifact; installed instances are affected at once. */
    public void markDefective(ArtifactDefect defect) {
        cloud.mutate(SandboxCall.MARK_ARTIFACT, acceptance -> cloud.state().artifactDefects.put(defect.artifact(), defect));
    }

    /** The version is sound again; false when it was not marked. */
    public boolean clearDefect(String artifact) {
        return cloud.mutate(SandboxCall.MARK_ARTIFACT, acceptance -> cloud.state().artifactDefects.remove(artifact) != null);
    }

    public Optional<ArtifactDefect> defect(String artifact) {
        return cloud.read(SandboxCall.READ_TRAFFIC, () -> Optional.ofNullable(cloud.state().artifactDefects.get(artifact)));
    }

    /** Every version marked defective, by artifact. */
    public List<ArtifactDefect> defects() {
        return cloud.read(SandboxCall.READ_TRAFFIC, () -> List.copyOf(cloud.state().artifactDefects.values()));
    }

    /**
     * The pods of a workload as instances of a release, {@code namespace/name-0} upwards, one per
     * ready replica (see {@link SandboxInstance}).
     *
     * @throws io.skydeck.connectors.spi.ResourceNotFound for an unknown workload
     */
    public List<String> pods(String workloadId) {
        return cloud.read(SandboxCall.READ_WORKLOADS, () -> {
            var workload = cloud.state().workloads.get(workloadId);
            if (workload == null) {
                throw cloud.notFound(ResourceType.WORKLOAD, workloadId);
            }
            return SandboxInstance.podIds(workload);
        });
    }
}
