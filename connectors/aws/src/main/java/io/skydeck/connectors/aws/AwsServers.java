package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderServer;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.AttributeValue;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateName;
import software.amazon.awssdk.services.ec2.model.Placement;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.Subnet;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * EC2 instances. Creates carry Skydeck's token as RunInstances' {@code ClientToken} (the SPI's
 * token, at most 63 of {@code [A-Za-z0-9._-]}, is already a valid one), so EC2 itself returns
 * the first reservation on a repeat and answers IdempotentParameterMismatch for a different
 * request under the same token.
 *
 * <p>A server in a tenant network is launched into the subnet Skydeck's IPAM chose, at the
 * address it chose ({@code SubnetId}, {@code PrivateIpAddress}), in the spec's security groups
 * ({@code SecurityGroupId.N}); the ClientToken makes a retry return the first instance instead of
 * failing on an address the first one already holds.
 */
final class AwsServers implements Servers {
    private final Ec2Gateway ec2;
    private final Ec2Operations operations;
    private final AwsDeployments deployments;

    /** @param deployments polls an install's handle: it is an UPDATE of a server, so {@code CloudProvider.poll} brings it here */
    AwsServers(Ec2Gateway ec2, Ec2Operations operations, AwsDeployments deployments) {
        this.ec2 = ec2;
        this.operations = operations;
        this.deployments = deployments;
    }

    @Override
    public OperationHandle create(ServerSpec spec, IdempotencyToken token) {
        if (spec.networkIds().size() > 1) {
            throw new RequestRejected(ec2.provider(), "EC2 launches an instance into one subnet; got networks "
                    + spec.networkIds(), "InvalidParameterCombination", null);
        }
        // The IPAM chose the subnet with the address; without one, the VPC's roomiest subnet in the zone.
        Optional<String> subnet = spec.subnetId().or(() -> spec.networkIds().stream().findFirst().map(network -> subnetFor(network, spec)));
        var named = Map.of(ResourceType.IMAGE, spec.imageId(), ResourceType.FLAVOR, spec.flavorId(),
                ResourceType.ZONE, spec.zone().orElse(spec.region()),
                ResourceType.SUBNET, subnet.orElse("none"), ResourceType.SECURITY_GROUP, String.join(",", spec.securityGroupIds()));
        var request = RunInstancesRequest.builder()
                .clientToken(token.value())
                .imageId(spec.imageId())
                .instanceType(spec.flavorId())
                .minCount(1)
                .maxCount(1)
                .tagSpecifications(Ec2Tags.onCreate(software.amazon.awssdk.services.ec2.model.ResourceType.INSTANCE,
                        spec.name(), spec.tags(), Optional.empty()));
        spec.zone().ifPresent(zone -> request.placement(Placement.builder().availabilityZone(zone).build()));
        subnet.ifPresent(request::subnetId);
        // Top-level SubnetId + PrivateIpAddress + SecurityGroupId.N describe the primary interface;
        // EC2 refuses them next to a NetworkInterface block, so this connector never sends one.
        spec.fixedAddress().ifPresent(request::privateIpAddress);
        if (!spec.securityGroupIds().isEmpty()) {
            request.securityGroupIds(spec.securityGroupIds());
        }
        var response = ec2.call(spec.region(), Call.idempotent("RunInstances", named), client -> client.runInstances(request.build()));
        Instance instance = response.instances().stream().findFirst().orElseThrow(() -> new ProviderUnavailable(ec2.provider(),
                "RunInstances accepted reservation " + response.reservationId() + " but returned no instance"));
        ec2.remember(instance.instanceId(), spec.region());
        return operations.accepted(OperationKind.CREATE, ResourceType.SERVER, instance.instanceId(), spec.region(),
                Optional.of(token), Optional.empty());
    }

    @Override
    public OperationHandle delete(String serverId, IdempotencyToken token) {
        String region = regionOf(serverId);
        ec2.call(region, Call.idempotent("TerminateInstances", Map.of(ResourceType.SERVER, serverId)),
                client -> client.terminateInstances(request -> request.instanceIds(serverId)));
        return operations.accepted(OperationKind.DELETE, ResourceType.SERVER, serverId, region, Optional.of(token), Optional.empty());
    }

    @Override
    public OperationHandle start(String serverId) {
        String region = regionOf(serverId);
        ec2.call(region, Call.idempotent("StartInstances", Map.of(ResourceType.SERVER, serverId)),
                client -> client.startInstances(request -> request.instanceIds(serverId)));
        return operations.accepted(OperationKind.START, ResourceType.SERVER, serverId, region, Optional.empty(), Optional.empty());
    }

    @Override
    public OperationHandle stop(String serverId) {
        String region = regionOf(serverId);
        ec2.call(region, Call.idempotent("StopInstances", Map.of(ResourceType.SERVER, serverId)),
                client -> client.stopInstances(request -> request.instanceIds(serverId)));
        return operations.accepted(OperationKind.STOP, ResourceType.SERVER, serverId, region, Optional.empty(), Optional.empty());
    }

    /**
     * EC2 changes an instance type only while the instance is stopped, and this connector does
     * not stop a tenant's server behind its back: a running server is a {@link RequestRejected}
     * ("IncorrectInstanceState", EC2's own word). The instance stays stopped afterwards.
     */
    @Override
    public OperationHandle resize(String serverId, String flavorId) {
        var located = describe(serverId).orElseThrow(() -> notFound(serverId));
        Instance instance = located.value();
        var handle = operations.accepted(OperationKind.RESIZE, ResourceType.SERVER, serverId, located.region(),
                Optional.empty(), Optional.of(flavorId));
        if (flavorId.equals(instance.instanceTypeAsString())) {
            return handle;
        }
        if (instance.state().name() != InstanceStateName.STOPPED) {
            throw new RequestRejected(ec2.provider(), "The instance '" + serverId + "' is " + instance.state().nameAsString()
                    + "; EC2 changes the instance type of a stopped instance only. Stop it first.", "IncorrectInstanceState", null);
        }
        ec2.call(located.region(), Call.idempotent("ModifyInstanceAttribute",
                        Map.of(ResourceType.SERVER, serverId, ResourceType.FLAVOR, flavorId)),
                client -> client.modifyInstanceAttribute(request -> request.instanceId(serverId)
                        .instanceType(AttributeValue.builder().value(flavorId).build())));
        return handle;
    }

    @Override
    public Optional<ProviderServer> get(String serverId) {
        return describe(serverId).map(located -> InstanceToProviderServer.convert(located.value(), located.region()));
    }

    @Override
    public Optional<ProviderServer> findByToken(IdempotencyToken token) {
        // client-token is a real DescribeInstances filter; tokens are unique per region, not per account.
        return ec2.callEveryRegion(Call.read("DescribeInstances", Map.of()), (region, client) ->
                        instances(client, List.of(Ec2Tags.filter("client-token", token.value())), List.of()).stream()
                                .map(instance -> InstanceToProviderServer.convert(instance, region)).toList())
                .stream().findFirst();
    }

    @Override
    public List<ProviderServer> list() {
        return ec2.callEveryRegion(Call.read("DescribeInstances", Map.of()), (region, client) ->
                instances(client, List.of(), List.of()).stream().map(instance -> {
                    ec2.remember(instance.instanceId(), region);
                    return InstanceToProviderServer.convert(instance, region);
                }).toList());
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        if (handle.kind() == OperationKind.UPDATE) {
            return deployments.poll(handle);
        }
        String id = handle.resource().id();
        Optional<Instance> instance = ec2.call(handle.resource().region(), Call.read("DescribeInstances", Map.of(ResourceType.SERVER, id)),
                client -> describeIn(client, id));
        if (handle.kind() == OperationKind.DELETE) {
            return instance.isEmpty() || InstanceToProviderServer.isGone(instance.get())
                    ? operations.succeeded(handle) : operations.inProgress(handle, instance.get().state().nameAsString());
        }
        if (instance.isEmpty()) {
            return handle.kind() == OperationKind.CREATE ? operations.createdButNotVisible(handle)
                    : operations.failed(handle, notFound(id));
        }
        InstanceStateName state = instance.get().state().name();
        String detail = instance.get().state().nameAsString();
        if (state == InstanceStateName.TERMINATED || state == InstanceStateName.SHUTTING_DOWN) {
            return operations.failed(handle, endedEarly(instance.get()));
        }
        return switch (handle.kind()) {
            case CREATE, START -> state == InstanceStateName.RUNNING ? operations.succeeded(handle) : operations.inProgress(handle, detail);
            case STOP -> state == InstanceStateName.STOPPED ? operations.succeeded(handle) : operations.inProgress(handle, detail);
            case RESIZE -> Ec2Operations.argument(handle).orElse("").equals(instance.get().instanceTypeAsString())
                    ? operations.succeeded(handle) : operations.inProgress(handle, "modifying instance type");
            case UPDATE -> deployments.poll(handle);
            case DELETE, SCALE -> throw new IllegalArgumentException("no " + handle.kind() + " runs on an EC2 instance");
        };
    }

    // ---- helpers ------------------------------------------------------------------------------

    private Optional<Ec2Gateway.Located<Instance>> describe(String serverId) {
        return ec2.locate(serverId, (region, client) -> describeIn(client, serverId),
                Call.read("DescribeInstances", Map.of(ResourceType.SERVER, serverId)));
    }

    private String regionOf(String serverId) {
        return ec2.regionOf(serverId, (region, client) -> describeIn(client, serverId),
                Call.read("DescribeInstances", Map.of(ResourceType.SERVER, serverId)), () -> notFound(serverId));
    }

    private static Optional<Instance> describeIn(Ec2Client client, String serverId) {
        return Ec2Gateway.unlessMissing(() -> instances(client, List.of(), List.of(serverId)).stream().findFirst());
    }

    /** Every page of DescribeInstances, terminated instances left out: a deleted server is absent. */
    private static List<Instance> instances(Ec2Client client, List<software.amazon.awssdk.services.ec2.model.Filter> filters,
                                            List<String> ids) {
        return client.describeInstancesPaginator(request -> {
                    if (!filters.isEmpty()) {
                        request.filters(filters);
                    }
                    if (!ids.isEmpty()) {
                        request.instanceIds(ids);
                    }
                }).reservations().stream()
                .map(Reservation::instances).flatMap(List::stream)
                .filter(instance -> !InstanceToProviderServer.isGone(instance))
                .toList();
    }

    /**
     * The subnet to launch into. A Skydeck network on AWS is a VPC, and an instance needs a
     * subnet: a subnet id is used as is; for a VPC, its subnet in the requested zone with the
     * most free addresses.
     */
    private String subnetFor(String networkId, ServerSpec spec) {
        if (!networkId.startsWith("vpc-")) {
            return networkId;
        }
        var filters = new java.util.ArrayList<>(List.of(Ec2Tags.filter("vpc-id", networkId)));
        spec.zone().ifPresent(zone -> filters.add(Ec2Tags.filter("availability-zone", zone)));
        return ec2.call(spec.region(), Call.read("DescribeSubnets", Map.of(ResourceType.NETWORK, networkId)),
                        client -> client.describeSubnets(request -> request.filters(filters)).subnets()).stream()
                .max(Comparator.comparing(Subnet::availableIpAddressCount, Comparator.nullsFirst(Comparator.naturalOrder())))
                .map(Subnet::subnetId)
                .orElseThrow(() -> new ResourceNotFound(ec2.provider(), ResourceType.SUBNET, networkId,
                        "VPC " + networkId + " has no subnet" + spec.zone().map(zone -> " in " + zone).orElse("")));
    }

    private RequestRejected endedEarly(Instance instance) {
        var reason = instance.stateReason();
        return new RequestRejected(ec2.provider(),
                "instance " + instance.instanceId() + " is " + instance.state().nameAsString()
                        + (reason == null || reason.message() == null ? "" : ": " + reason.message()),
                reason == null ? null : reason.code(), null);
    }

    private ResourceNotFound notFound(String serverId) {
        return new ResourceNotFound(ec2.provider(), ResourceType.SERVER, serverId,
                "The instance ID '" + serverId + "' does not exist in any configured region", "InvalidInstanceID.NotFound", null);
    }
}
