package io.skydeck.connectors.sandbox;

import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A simulated load balancer in front of a group: what {@link io.skydeck.connectors.spi.TrafficControl}
 * changes in the sandbox, and what a test or the console reads back through
 * {@link SandboxTraffic#loadBalancer}. The sandbox makes one the first time a target id is used
 * in a region, as a release would find one made for its group.
 *
 * <p>Instance lists are kept sorted, so that the same calls always write the same state document.
 *
 * @param members     the instances that receive traffic
 * @param split       a canary by weight, when one is set
 * @param headerRoute an A/B split by header or cookie, when one is set
 */
public record SandboxLoadBalancer(String region, String id, List<String> members, Optional<WeightedSplit> split,
                                  Optional<HeaderRoute> headerRoute) {

    /** {@code percent} of the traffic goes to {@code canaryInstances}, the rest to the other members. */
    public record WeightedSplit(List<String> canaryInstances, int percent) {
        public WeightedSplit {
            canaryInstances = sorted(canaryInstances);
            if (percent < 0 || percent > 100) {
                throw new IllegalArgumentException("a traffic weight is 0 to 100 percent: " + percent);
            }
        }
    }

    /** Requests carrying {@code header: value} go to {@code variantInstances}, all others to the other members. */
    public record HeaderRoute(List<String> variantInstances, String header, String value) {
        public HeaderRoute {
            variantInstances = sorted(variantInstances);
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(value, "value");
        }
    }

    public SandboxLoadBalancer {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(id, "id");
        members = sorted(members);
        Objects.requireNonNull(split, "split");
        Objects.requireNonNull(headerRoute, "headerRoute");
    }

    static SandboxLoadBalancer empty(String region, String id) {
        return new SandboxLoadBalancer(region, id, List.of(), Optional.empty(), Optional.empty());
    }

    /** The state table's key: a target id is unique within its region. */
    static String key(String region, String id) {
        return region + "|" + id;
    }

    SandboxLoadBalancer withMembers(Collection<String> newMembers) {
        return new SandboxLoadBalancer(region, id, List.copyOf(newMembers), split, headerRoute);
    }

    SandboxLoadBalancer withSplit(Optional<WeightedSplit> newSplit) {
        return new SandboxLoadBalancer(region, id, members, newSplit, headerRoute);
    }

    SandboxLoadBalancer withHeaderRoute(Optional<HeaderRoute> newRoute) {
        return new SandboxLoadBalancer(region, id, members, split, newRoute);
    }

    private static List<String> sorted(Collection<String> instances) {
        return List.copyOf(new TreeSet<>(instances));
    }
}
