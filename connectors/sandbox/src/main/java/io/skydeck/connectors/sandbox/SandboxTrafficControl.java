package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.connectors.spi.TrafficTarget;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Pull in and pull out on the sandbox's load balancers ({@link SandboxLoadBalancer}). Any target
 * id names a load balancer, made on first use, so a release needs no set-up step; the region must
 * exist, and every instance named must be a server or pod of that region. Changes take effect
 * when the call returns, as registering a target does: there is no operation to poll. Repeating
 * a call changes nothing.
 *
 * <p>Weights and header routes are recorded as given and shown by {@link SandboxTraffic#loadBalancer}.
 * A header route decides where each request goes ({@link SandboxTraffic#route}: requests carrying
 * the header to the variant members, all others to the rest); the simulated rates of
 * {@link SandboxTraffic#measure} do not depend on weights or routes.
 */
final class SandboxTrafficControl implements TrafficControl {
    private final SandboxCloud cloud;

    SandboxTrafficControl(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public void pullOut(TrafficTarget target, String instanceId) {
        change(SandboxCall.PULL_OUT, target, Set.of(instanceId), lb -> {
            var members = new TreeSet<>(lb.members());
            members.remove(instanceId);
            return lb.withMembers(members);
        });
    }

    @Override
    public void pullIn(TrafficTarget target, String instanceId) {
        change(SandboxCall.PULL_IN, target, Set.of(instanceId), lb -> {
            var members = new TreeSet<>(lb.members());
            members.add(instanceId);
            return lb.withMembers(members);
        });
    }

    /** The members that still exist: a deleted server or a scaled-away pod receives nothing. */
    @Override
    public Set<String> inTraffic(TrafficTarget target) {
        return cloud.<Set<String>>read(SandboxCall.READ_TRAFFIC, () -> {
            var state = cloud.state();
            var lb = state.loadBalancers.get(SandboxLoadBalancer.key(target.region(), target.id()));
            if (lb == null) {
                return Set.of();
            }
            return lb.members().stream()
                    .filter(id -> SandboxInstance.find(state, id).isPresent())
                    .collect(Collectors.toCollection(TreeSet<String>::new));
        });
    }

    @Override
    public boolean weighsTraffic() {
        return true;
    }

    @Override
    public void weigh(TrafficTarget target, Set<String> canaryInstances, int percent) {
        if (canaryInstances.isEmpty()) {
            change(SandboxCall.ROUTE_TRAFFIC, target, Set.of(), lb -> lb.withSplit(Optional.empty()));
            return;
        }
        var split = new SandboxLoadBalancer.WeightedSplit(canaryInstances.stream().toList(), percent);
        change(SandboxCall.ROUTE_TRAFFIC, target, canaryInstances, lb -> lb.withSplit(Optional.of(split)));
    }

    @Override
    public boolean routesByHeader() {
        return true;
    }

    @Override
    public void routeByHeader(TrafficTarget target, Set<String> variantInstances, String header, String value) {
        if (header == null) {
            change(SandboxCall.ROUTE_TRAFFIC, target, Set.of(), lb -> lb.withHeaderRoute(Optional.empty()));
            return;
        }
        var route = new SandboxLoadBalancer.HeaderRoute(variantInstances.stream().toList(), header, value);
        change(SandboxCall.ROUTE_TRAFFIC, target, variantInstances, lb -> lb.withHeaderRoute(Optional.of(route)));
    }

    private void change(SandboxCall call, TrafficTarget target, Collection<String> instances,
                        UnaryOperator<SandboxLoadBalancer> change) {
        cloud.mutate(call, acceptance -> {
            cloud.topology().region(target.region()).orElseThrow(() -> cloud.notFound(ResourceType.REGION, target.region()));
            var state = cloud.state();
            for (String instanceId : instances) {
                var instance = SandboxInstance.find(state, instanceId);
                if (instance.isEmpty() || !instance.get().region().equals(target.region())) {
                    throw cloud.notFound(instanceId.contains("/") ? ResourceType.WORKLOAD : ResourceType.SERVER, instanceId);
                }
            }
            String key = SandboxLoadBalancer.key(target.region(), target.id());
            var before = state.loadBalancers.getOrDefault(key, SandboxLoadBalancer.empty(target.region(), target.id()));
            var after = change.apply(before);
            if (!after.equals(before) || !state.loadBalancers.containsKey(key)) {
                state.loadBalancers.put(key, after);
            }
            return null;
        });
    }
}
