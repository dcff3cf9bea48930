package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One configured cloud: a name unique within Skydeck ("sandbox", "openstack-fra", "aws-prod"),
 * its kind, its regions, and the capabilities it has.
 */
public interface CloudProvider extends AutoCloseable {

    String name();

    ProviderKind kind();

    /** The regions this provider is configured to serve; for AWS, those from configuration. */
    List<Region> regions();

    Set<CapabilityKind> capabilities();

    /** The capability if this provider has it; empty otherwise. */
    <C extends Capability> Optional<C> capability(Class<C> type);

    /**
     * The capability, or {@link CapabilityNotSupported} saying "provider X cannot …".
     */
    default <C extends Capability> C require(Class<C> type) {
        return capability(type).orElseThrow(() -> new CapabilityNotSupported(name(), CapabilityKind.of(type)));
    }

    /**
     * Polls an operation this provider accepted, through the capability that owns its resource
     * type — what a restarted service needs when all it has is the stored handle.
     */
    default OperationStatus poll(OperationHandle handle) {
        Class<? extends Capability> owner = switch (handle.resource().type()) {
            case SERVER -> Servers.class;
            case WORKLOAD -> Workloads.class;
            case NETWORK, SUBNET -> Networks.class;
            case NETWORK_PEERING -> NetworkPeerings.class;
            case VPN_CONNECTION -> VpnConnections.class;
            case SECURITY_GROUP, SECURITY_GROUP_RULE -> SecurityGroups.class;
            case PUBLIC_IP -> PublicIps.class;
            case FLAVOR, IMAGE, HOST, REGION, ZONE, OPERATION, TRAFFIC_TARGET ->
                    throw new IllegalArgumentException("no operation runs on a " + handle.resource().type());
        };
        return ((TracksOperations) require(owner)).poll(handle);
    }

    /**
     * Whether a poll right after this provider accepted an operation sees it as it is, so the
     * work can be followed up in the same breath. False unless a connector knows better: real
     * clouds are eventually consistent, and a resource they just accepted can look missing for a
     * while, which would read as lost work. The sandbox says true (its instant mode has often
     * finished the work by the time it answers).
     */
    default boolean readsItsOwnWrites() {
        return false;
    }

    /** A cheap round trip (authenticate, list regions); never throws. */
    ProviderHealth health();

    /** Releases HTTP clients and threads; the sandbox has nothing to release. */
    @Override
    default void close() {
    }
}
