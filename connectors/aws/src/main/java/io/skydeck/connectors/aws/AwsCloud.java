package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.AuthenticationFailed;
import io.skydeck.connectors.spi.Capability;
import io.skydeck.connectors.spi.CapabilityKind;
import io.skydeck.connectors.spi.CapabilitySet;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.Deployments;
import io.skydeck.connectors.spi.Inventory;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.ProviderException;
import io.skydeck.connectors.spi.ProviderHealth;
import io.skydeck.connectors.spi.ProviderKind;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.Region;
import io.skydeck.connectors.spi.SecurityGroups;
import io.skydeck.connectors.spi.Servers;
import io.skydeck.connectors.spi.TrafficControl;
import software.amazon.awssdk.services.ec2.model.AvailabilityZone;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An AWS account as a Skydeck provider, through EC2 (which also serves the VPC API) with the
 * AWS SDK for Java v2: servers, networks, security groups, Elastic IPs and instance types, in
 * the regions the configuration names; releases through Elastic Load Balancing v2 target groups
 * ({@link AwsTrafficControl}) and root volume replacement from an AMI ({@link AwsDeployments}).
 *
 * <p>Not offered: {@code Workloads} (EKS is a Kubernetes provider), {@code PriceList} (prices
 * come from the separate Pricing API, not EC2) and {@code UsageExport} (the Cost and Usage
 * Report lands in S3 and is read by the billing module's CUR reader).
 *
 * <p>Every call has the configured call and attempt timeouts; the SDK's own retries are off
 * and {@link RetryPolicy} decides instead. Credentials are read from where
 * {@link AwsCredentialsSource} says, when a request is signed; nothing here logs them.
 */
public final class AwsCloud implements CloudProvider {
    private final AwsSettings settings;
    private final Ec2Gateway ec2;
    private final ElbGateway elb;
    private final CapabilitySet capabilities;
    private final Map<String, List<String>> discoveredZones = new ConcurrentHashMap<>();

    /**
     * @param environment where {@link AwsCredentialsSource.Environment} reads; {@code System::getenv}
     * @throws IllegalStateException if the credentials cannot be read now — a configuration
     *                               mistake better reported at start-up than on the first create
     */
    public AwsCloud(AwsSettings settings, Function<String, String> environment, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        var credentials = settings.credentials().provider(environment);
        credentials.resolveCredentials();
        this.ec2 = new Ec2Gateway(settings, credentials, clock);
        this.elb = new ElbGateway(settings, credentials, clock);
        var operations = new Ec2Operations(settings.name(), clock);
        var deployments = new AwsDeployments(ec2, operations);
        this.capabilities = CapabilitySet.empty()
                .with(Servers.class, new AwsServers(ec2, operations, deployments))
                .with(Networks.class, new AwsNetworks(ec2, operations))
                .with(NetworkPeerings.class, new AwsPeerings(ec2, operations))
                .with(VpnConnections.class, new AwsVpns(ec2, operations))
                .with(SecurityGroups.class, new AwsSecurityGroups(ec2, operations))
                .with(PublicIps.class, new AwsPublicIps(ec2, operations))
                .with(Inventory.class, new AwsInventory(ec2))
                .with(TrafficControl.class, new AwsTrafficControl(elb))
                .with(Deployments.class, deployments);
    }

    /** Production wiring: credentials from the process environment, the system UTC clock. */
    public static AwsCloud connect(AwsSettings settings) {
        return new AwsCloud(settings, System::getenv, Clock.systemUTC());
    }

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public ProviderKind kind() {
        return ProviderKind.AWS;
    }

    /**
     * The configured regions. A region configured without zones gets EC2's list of its
     * available zones, asked once and remembered; until that succeeds it shows none.
     */
    @Override
    public List<Region> regions() {
        var regions = new ArrayList<Region>();
        for (Region configured : settings.regions()) {
            if (!configured.zones().isEmpty()) {
                regions.add(configured);
                continue;
            }
            List<String> zones = discoveredZones.get(configured.id());
            if (zones == null) {
                try {
                    zones = availableZones(configured.id());
                } catch (ProviderException unreachable) {
                    zones = List.of();
                }
            }
            regions.add(new Region(configured.id(), zones));
        }
        return regions;
    }

    @Override
    public Set<CapabilityKind> capabilities() {
        return capabilities.kinds();
    }

    @Override
    public <C extends Capability> Optional<C> capability(Class<C> type) {
        return capabilities.get(type);
    }

    /**
     * DescribeAvailabilityZones in every region: signed, so it proves the credentials too. UP
     * if every region answers; DOWN if credentials are refused or no region answers.
     */
    @Override
    public ProviderHealth health() {
        var failures = new ArrayList<String>();
        boolean refused = false;
        for (String region : ec2.regions()) {
            try {
                availableZones(region);
            } catch (ProviderException error) {
                refused |= error instanceof AuthenticationFailed;
                failures.add(region + ": " + error.providerMessage() + error.providerCode().map(code -> " (" + code + ")").orElse(""));
            }
        }
        var now = ec2.clock().instant();
        if (failures.isEmpty()) {
            return new ProviderHealth(ProviderHealth.State.UP, "EC2 answered in " + String.join(", ", ec2.regions()), now);
        }
        var state = refused || failures.size() == ec2.regions().size() ? ProviderHealth.State.DOWN : ProviderHealth.State.DEGRADED;
        return new ProviderHealth(state, String.join("; ", failures), now);
    }

    @Override
    public void close() {
        ec2.close();
        elb.close();
    }

    @Override
    public String toString() {
        return "AwsCloud[" + settings.name() + ", regions " + ec2.regions() + ", " + settings.credentials() + "]";
    }

    private List<String> availableZones(String region) {
        List<String> zones = ec2.call(region, Call.read("DescribeAvailabilityZones", Map.of()), client ->
                client.describeAvailabilityZones(request -> request.filters(Ec2Tags.filter("state", "available")))
                        .availabilityZones().stream().map(AvailabilityZone::zoneName).sorted().toList());
        discoveredZones.put(region, zones);
        return zones;
    }
}
