package io.skydeck.connectors.openstack;

import io.skydeck.connectors.openstack.FaultToProviderException.Target;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CapabilitySet;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.compute.ext.AvailabilityZone;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A private OpenStack cloud through OpenStack4j: Keystone v3, Nova, Neutron, and Octavia where
 * the cloud has it. It offers servers, networks, security groups, floating IPs, inventory,
 * installs by rebuild ({@link OpenStackDeployments}) and, with Octavia, traffic control through
 * pool members ({@link OctaviaTrafficControl}); it has no price list (a private
 * cloud's prices are Skydeck's own rate cards) and runs no container workloads.
 *
 * <p>Construct one per configured provider with {@link #connect(OpenStackConfig)}; it is safe
 * to share between threads. Nothing is sent until the first call; asking for its capabilities is
 * one (Keystone issues the token whose catalog says whether there is Octavia).
 */
public final class OpenStackCloud implements CloudProvider {
    private final OpenStackSession session;
    private final CapabilitySet capabilities;
    private final OctaviaTrafficControl trafficControl;
    private volatile boolean octaviaLastSeen;
    private final Map<String, List<String>> lastKnownZones = new ConcurrentHashMap<>();

    OpenStackCloud(OpenStackConfig config, Clock clock, java.util.function.Supplier<String> password) {
        Config transport = Config.newConfig()
                .withConnectionTimeout(Math.toIntExact(config.timeouts().connect().toMillis()))
                .withReadTimeout(Math.toIntExact(config.timeouts().read().toMillis()));
        this.session = new OpenStackSession(config, new KeystoneSession(config, transport, password, clock), clock);
        this.capabilities = CapabilitySet.empty()
                .with(Servers.class, new OpenStackServers(session))
                .with(Networks.class, new OpenStackNetworks(session))
                .with(NetworkPeerings.class, new OpenStackPeerings(session))
                .with(SecurityGroups.class, new OpenStackSecurityGroups(session))
                .with(PublicIps.class, new OpenStackPublicIps(session))
                .with(Inventory.class, new OpenStackInventory(session))
                .with(Deployments.class, new OpenStackDeployments(session));
        this.trafficControl = new OctaviaTrafficControl(session);
    }

    /** The provider as configured; the password is read from its source at each authentication. */
    public static OpenStackCloud connect(OpenStackConfig config) {
        return connect(config, Clock.systemUTC());
    }

    public static OpenStackCloud connect(OpenStackConfig config, Clock clock) {
        return new OpenStackCloud(config, clock, config::resolvePassword);
    }

    @Override
    public String name() {
        return session.provider();
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.OPENSTACK;
    }

    /**
     * The configured regions with Nova's availability zones. Zones come from the cloud; when it
     * cannot be asked, the last answer (or no zones) stands rather than failing a listing.
     */
    @Override
    public List<Region> regions() {
        List<Region> regions = new ArrayList<>();
        for (String region : session.regions()) {
            try {
                List<String> zones = availableZones(region);
                lastKnownZones.put(region, zones);
                regions.add(new Region(region, zones));
            } catch (ProviderException unreachable) {
                regions.add(new Region(region, lastKnownZones.getOrDefault(region, List.of())));
            }
        }
        return regions;
    }

    private List<String> availableZones(String region) {
        return session.call(region, Target.of(ResourceType.ZONE, "*"), os -> os.compute().zones().list().stream()
                .filter(zone -> zone.getZoneState() == null || zone.getZoneState().getAvailable())
                .map(AvailabilityZone::getZoneName)
                .sorted()
                .toList());
    }

    /**
     * The fixed capabilities, plus {@code TRAFFIC_CONTROL} when the cloud has Octavia: a Keystone
     * catalog listing a "load-balancer" service in one of the configured regions. Read from the
     * token (Keystone is asked only when no token is held yet). When Keystone cannot be asked the
     * last answer stands, and before any answer there is no traffic control: the service shows
     * "no traffic control on this provider" rather than failing.
     */
    @Override
    public Set<CapabilityKind> capabilities() {
        if (!hasOctavia()) {
            return capabilities.kinds();
        }
        var kinds = java.util.EnumSet.copyOf(capabilities.kinds());
        kinds.add(CapabilityKind.TRAFFIC_CONTROL);
        return java.util.Collections.unmodifiableSet(kinds);
    }

    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        if (type == TrafficControl.class) {
            return hasOctavia() ? Optional.of(type.cast(trafficControl)) : Optional.empty();
        }
        return capabilities.get(type);
    }

    /** The catalog's answer now; when Keystone cannot be asked, the last answer (none before the first). */
    private boolean hasOctavia() {
        try {
            boolean offered = session.regions().stream()
                    .anyMatch(region -> session.catalogOffers(OctaviaTrafficControl.SERVICE_TYPE, region));
            octaviaLastSeen = offered;
            return offered;
        } catch (RuntimeException cannotAsk) {
            return octaviaLastSeen;
        }
    }

    /** Authenticates (or reuses the token) and lists the first region's zones. */
    @Override
    public ProviderHealth health() {
        var now = session.clock().instant();
        try {
            String region = session.regions().get(0);
            int zones = availableZones(region).size();
            return new ProviderHealth(ProviderHealth.State.UP, "Keystone and Nova answer; " + zones + " zone(s) in " + region, now);
        } catch (AuthenticationFailed failed) {
            return new ProviderHealth(ProviderHealth.State.DOWN, "authentication failed: " + failed.providerMessage(), now);
        } catch (ProviderException failed) {
            return new ProviderHealth(ProviderHealth.State.DOWN, failed.getMessage(), now);
        } catch (RuntimeException misconfigured) {
            // A missing password variable or unreadable secret file: say so, never throw from health().
            return new ProviderHealth(ProviderHealth.State.DOWN, misconfigured.getMessage(), now);
        }
    }

    @Override
    public String toString() {
        return "OpenStackCloud[" + session.config() + "]";
    }
}
