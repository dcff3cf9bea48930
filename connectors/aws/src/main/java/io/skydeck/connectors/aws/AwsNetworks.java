package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SubnetSpec;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.SubnetState;
import software.amazon.awssdk.services.ec2.model.Vpc;
import software.amazon.awssdk.services.ec2.model.VpcState;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * VPCs and subnets. Neither CreateVpc nor CreateSubnet takes a client token, so idempotency is
 * "look for the token tag, create tagged if absent". Two racing creates with one token can
 * still both create (EC2 offers no conditional create); the service serialises creates per
 * Idempotency-Key, which closes that window in practice, and drift detection reports any
 * duplicate as an orphan.
 */
final class AwsNetworks implements Networks {
    private final Ec2Gateway ec2;
    private final Ec2Operations operations;

    AwsNetworks(Ec2Gateway ec2, Ec2Operations operations) {
        this.ec2 = ec2;
        this.operations = operations;
    }

    @Override
    public OperationHandle createNetwork(NetworkSpec spec, IdempotencyToken token) {
        String cidr = spec.cidr().orElseThrow(() -> new RequestRejected(ec2.provider(),
                "A VPC needs an IPv4 CIDR block; the network spec '" + spec.name() + "' has none", "MissingParameter", null));
        Optional<Vpc> earlier = ec2.call(spec.region(), Call.read("DescribeVpcs", Map.of()),
                client -> vpcs(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream().findFirst());
        if (earlier.isPresent()) {
            requireSame(token, "CIDR block", cidr, earlier.get().cidrBlock());
            if (spec.ipv6() && VpcToProviderNetwork.ipv6Blocks(earlier.get()).findAny().isEmpty()) {
                // A VPC made without its block (or whose association failed) gets one; one it holds is never doubled.
                String vpcId = earlier.get().vpcId();
                ec2.call(spec.region(), Call.once("AssociateVpcCidrBlock", Map.of(ResourceType.NETWORK, vpcId)),
                        client -> client.associateVpcCidrBlock(request -> request.vpcId(vpcId).amazonProvidedIpv6CidrBlock(true)));
            }
            return accepted(ResourceType.NETWORK, earlier.get().vpcId(), spec.region(), token);
        }
        if (spec.ipv6Cidr().isPresent()) {
            // A VPC takes a tenant's IPv6 range only from a BYOIP pool (Ipv6Pool), which Skydeck does not configure.
            throw new RequestRejected(ec2.provider(), "A VPC's IPv6 block is Amazon-provided here: the network spec '" + spec.name()
                    + "' gives " + spec.ipv6Cidr().get() + ", which needs an Ipv6Pool", "InvalidParameterCombination", null);
        }
        var vpc = ec2.call(spec.region(), Call.once("CreateVpc", Map.of()), client -> client.createVpc(request -> {
            request.cidrBlock(cidr)
                    .tagSpecifications(Ec2Tags.onCreate(software.amazon.awssdk.services.ec2.model.ResourceType.VPC,
                            spec.name(), spec.tags(), Optional.of(token)));
            if (spec.ipv6()) {
                // AWS chooses the /56; DescribeVpcs shows it once associated.
                request.amazonProvidedIpv6CidrBlock(true);
            }
        })).vpc();
        return accepted(ResourceType.NETWORK, vpc.vpcId(), spec.region(), token);
    }

    @Override
    public OperationHandle deleteNetwork(String networkId, IdempotencyToken token) {
        String region = regionOfVpc(networkId);
        // DependencyViolation (subnets, gateways still attached) becomes a RequestRejected.
        ec2.call(region, Call.idempotent("DeleteVpc", Map.of(ResourceType.NETWORK, networkId)),
                client -> client.deleteVpc(request -> request.vpcId(networkId)));
        return operations.accepted(OperationKind.DELETE, ResourceType.NETWORK, networkId, region, Optional.of(token), Optional.empty());
    }

    @Override
    public OperationHandle createSubnet(SubnetSpec spec, IdempotencyToken token) {
        String region = regionOfVpc(spec.networkId());
        Optional<Subnet> earlier = ec2.call(region, Call.read("DescribeSubnets", Map.of()),
                client -> subnets(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream().findFirst());
        if (earlier.isPresent()) {
            requireSame(token, "CIDR block", spec.cidr(), earlier.get().cidrBlock());
            return accepted(ResourceType.SUBNET, earlier.get().subnetId(), region, token);
        }
        var subnet = ec2.call(region, Call.once("CreateSubnet", Map.of(ResourceType.NETWORK, spec.networkId(),
                ResourceType.ZONE, spec.zone().orElse(region))), client -> client.createSubnet(request -> {
                    request.vpcId(spec.networkId()).cidrBlock(spec.cidr())
                            .tagSpecifications(Ec2Tags.onCreate(software.amazon.awssdk.services.ec2.model.ResourceType.SUBNET,
                                    spec.name(), spec.tags(), Optional.of(token)));
                    spec.zone().ifPresent(request::availabilityZone);
                    spec.ipv6Cidr().ifPresent(request::ipv6CidrBlock); // a /64 of the VPC's Amazon-provided block: dual-stack
                })).subnet();
        return accepted(ResourceType.SUBNET, subnet.subnetId(), region, token);
    }

    @Override
    public OperationHandle deleteSubnet(String subnetId, IdempotencyToken token) {
        String region = ec2.regionOf(subnetId, (r, client) -> subnet(client, subnetId),
                Call.read("DescribeSubnets", Map.of(ResourceType.SUBNET, subnetId)), () -> notFound(ResourceType.SUBNET, subnetId));
        ec2.call(region, Call.idempotent("DeleteSubnet", Map.of(ResourceType.SUBNET, subnetId)),
                client -> client.deleteSubnet(request -> request.subnetId(subnetId)));
        return operations.accepted(OperationKind.DELETE, ResourceType.SUBNET, subnetId, region, Optional.of(token), Optional.empty());
    }

    @Override
    public Optional<ProviderNetwork> getNetwork(String networkId) {
        return ec2.locate(networkId, (region, client) -> vpc(client, networkId), Call.read("DescribeVpcs", Map.of(ResourceType.NETWORK, networkId)))
                .map(located -> VpcToProviderNetwork.convert(located.value(), located.region()));
    }

    @Override
    public Optional<ProviderSubnet> getSubnet(String subnetId) {
        return ec2.locate(subnetId, (region, client) -> subnet(client, subnetId), Call.read("DescribeSubnets", Map.of(ResourceType.SUBNET, subnetId)))
                .map(located -> VpcToProviderNetwork.convert(located.value(), located.region()));
    }

    @Override
    public Optional<ResourceRef> findByToken(IdempotencyToken token) {
        var byTag = List.of(Ec2Tags.tokenFilter(token));
        return ec2.callEveryRegion(Call.read("DescribeVpcs", Map.of()), (region, client) -> {
            var networks = vpcs(client, byTag, List.of()).stream()
                    .map(vpc -> new ResourceRef(ResourceType.NETWORK, vpc.vpcId(), region)).toList();
            return networks.isEmpty()
                    ? subnets(client, byTag, List.of()).stream().map(subnet -> new ResourceRef(ResourceType.SUBNET, subnet.subnetId(), region)).toList()
                    : networks;
        }).stream().findFirst();
    }

    @Override
    public List<ProviderNetwork> listNetworks() {
        return ec2.callEveryRegion(Call.read("DescribeVpcs", Map.of()), (region, client) ->
                vpcs(client, List.of(), List.of()).stream().map(vpc -> VpcToProviderNetwork.convert(vpc, region)).toList());
    }

    @Override
    public List<ProviderSubnet> listSubnets(String networkId) {
        String region = regionOfVpc(networkId);
        return ec2.call(region, Call.read("DescribeSubnets", Map.of(ResourceType.NETWORK, networkId)), client ->
                subnets(client, List.of(Ec2Tags.filter("vpc-id", networkId)), List.of()).stream()
                        .map(subnet -> VpcToProviderNetwork.convert(subnet, region)).toList());
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        var resource = handle.resource();
        Optional<Vpc> vpc = resource.type() == ResourceType.NETWORK
                ? ec2.call(resource.region(), Call.read("DescribeVpcs", Map.of(ResourceType.NETWORK, resource.id())),
                        client -> vpc(client, resource.id()))
                : Optional.empty();
        Optional<String> state = resource.type() == ResourceType.NETWORK
                ? vpc.map(VpcToProviderNetwork::state)
                : ec2.call(resource.region(), Call.read("DescribeSubnets", Map.of(ResourceType.SUBNET, resource.id())),
                        client -> subnet(client, resource.id())).map(Subnet::stateAsString);
        if (handle.kind() == OperationKind.DELETE) {
            return state.isEmpty() ? operations.succeeded(handle) : operations.inProgress(handle, state.get());
        }
        if (state.isEmpty()) {
            return operations.createdButNotVisible(handle);
        }
        boolean available = state.get().equals(VpcState.AVAILABLE.toString()) || state.get().equals(SubnetState.AVAILABLE.toString());
        return available ? operations.succeeded(handle) : operations.inProgress(handle, state.get());
    }

    @Override
    public boolean realisesIpv6() {
        return true;
    }

    /** A VPC's IPv6 block is Amazon-provided: CreateVpc asks for one, and DescribeVpcs shows the /56 AWS chose. */
    @Override
    public boolean assignsIpv6Range() {
        return true;
    }

    // ---- helpers ------------------------------------------------------------------------------

    private OperationHandle accepted(ResourceType type, String id, String region, IdempotencyToken token) {
        ec2.remember(id, region);
        return operations.accepted(OperationKind.CREATE, type, id, region, Optional.of(token), Optional.empty());
    }

    /** EC2's own answer to a reused ClientToken, given here for resources without one. */
    private void requireSame(IdempotencyToken token, String what, String requested, String existing) {
        if (!Objects.equals(requested, existing)) {
            throw new RequestRejected(ec2.provider(), "The token " + token + " was already used with a different " + what
                    + " (" + existing + ", now " + requested + ")", "IdempotentParameterMismatch", null);
        }
    }

    private String regionOfVpc(String vpcId) {
        return ec2.regionOf(vpcId, (region, client) -> vpc(client, vpcId),
                Call.read("DescribeVpcs", Map.of(ResourceType.NETWORK, vpcId)), () -> notFound(ResourceType.NETWORK, vpcId));
    }

    private static Optional<Vpc> vpc(Ec2Client client, String vpcId) {
        return Ec2Gateway.unlessMissing(() -> vpcs(client, List.of(), List.of(vpcId)).stream().findFirst());
    }

    private static Optional<Subnet> subnet(Ec2Client client, String subnetId) {
        return Ec2Gateway.unlessMissing(() -> subnets(client, List.of(), List.of(subnetId)).stream().findFirst());
    }

    private static List<Vpc> vpcs(Ec2Client client, List<Filter> filters, List<String> ids) {
        return client.describeVpcsPaginator(request -> {
            if (!filters.isEmpty()) {
                request.filters(filters);
            }
            if (!ids.isEmpty()) {
                request.vpcIds(ids);
            }
        }).vpcs().stream().toList();
    }

    private static List<Subnet> subnets(Ec2Client client, List<Filter> filters, List<String> ids) {
        return client.describeSubnetsPaginator(request -> {
            if (!filters.isEmpty()) {
                request.filters(filters);
            }
            if (!ids.isEmpty()) {
                request.subnetIds(ids);
            }
        }).subnets().stream().toList();
    }

    private ResourceNotFound notFound(ResourceType type, String id) {
        return new ResourceNotFound(ec2.provider(), type, id,
                (type == ResourceType.NETWORK ? "The vpc ID '" : "The subnet ID '") + id + "' does not exist in any configured region",
                type == ResourceType.NETWORK ? "InvalidVpcID.NotFound" : "InvalidSubnetID.NotFound", null);
    }
}
