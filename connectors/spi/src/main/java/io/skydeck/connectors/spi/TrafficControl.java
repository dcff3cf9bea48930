package io.skydeck.connectors.spi;

import java.util.Set;

/**
 * Takes one instance of a group out of the traffic its users send and puts it back — the
 * "pull out" and "pull in" of a release. What carries the traffic depends on the provider: the
 * sandbox's load balancer, an AWS ELBv2 target group (register / deregister targets), an
 * OpenStack Octavia pool (members), a Kubernetes Service (the pod stops matching its selector).
 * Every call is idempotent: pulling out an instance that is already out changes nothing, so a
 * release driver that crashed between a call and its record simply calls again.
 */
public non-sealed interface TrafficControl extends Capability {

    /**
     * @throws ResourceNotFound for an unknown traffic target or instance
     */
    void pullOut(TrafficTarget target, String instanceId);

    /**
     * @throws ResourceNotFound for an unknown traffic target or instance
     */
    void pullIn(TrafficTarget target, String instanceId);

    /** The instances that receive traffic through the target now. */
    Set<String> inTraffic(TrafficTarget target);

    /** Whether {@link #weigh} works here; the service refuses a canary by weight (422) where it does not. */
    default boolean weighsTraffic() {
        return false;
    }

    /**
     * Sends {@code percent} (0–100) of the target's traffic to {@code canaryInstances} and the
     * rest to the others (a canary by weight). An empty {@code canaryInstances} ends the split:
     * every instance in traffic takes its share again.
     *
     * @throws UnsupportedOperationException where {@link #weighsTraffic()} is false
     */
    default void weigh(TrafficTarget target, Set<String> canaryInstances, int percent) {
        throw new UnsupportedOperationException("this traffic target cannot weight traffic");
    }

    /** Whether {@link #routeByHeader} works here; the service refuses an A/B release (422) where it does not. */
    default boolean routesByHeader() {
        return false;
    }

    /**
     * Sends requests that carry {@code header: value} (a cookie, for a header named
     * {@code Cookie}) to {@code variantInstances} only and every other request to the rest — an
     * A/B test. A {@code null} header ends the split.
     *
     * @throws UnsupportedOperationException where {@link #routesByHeader()} is false
     */
    default void routeByHeader(TrafficTarget target, Set<String> variantInstances, String header, String value) {
        throw new UnsupportedOperationException("this traffic target cannot route by header or cookie");
    }
}
