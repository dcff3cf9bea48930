package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.ProviderUnavailable;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.RouteTable;
import software.amazon.awssdk.services.ec2.model.VpcPeeringConnection;
import software.amazon.awssdk.services.ec2.model.VpcPeeringConnectionStateReasonCode;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * VPC peering in one account: CreateVpcPeeringConnection (with PeerRegion when the VPCs are in
 * two regions), AcceptVpcPeeringConnection in the accepter's region, and a route to the other
 * VPC's range in every route table of each VPC, through the peering. CreateVpcPeeringConnection
 * takes no client token, so the token is a tag written in the create (as for VPCs), and a repeated
 * create finds the tagged peering and carries on from where the first stopped: accepting it if
 * it still waits, adding the routes that are missing (EC2 answers RouteAlreadyExists for one that
 * is there). An inter-region peering is "initiating-request" for a while before it can be
 * accepted; the create then answers a retryable error and its repeat accepts it.
 */
final class AwsPeerings implements NetworkPeerings {
    private static final Set<VpcPeeringConnectionStateReasonCode> GONE = Set.of(VpcPeeringConnectionStateReasonCode.DELETED,
            VpcPeeringConnectionStateReasonCode.DELETING, VpcPeeringConnectionStateReasonCode.REJECTED,
            VpcPeeringConnectionStateReasonCode.EXPIRED, VpcPeeringConnectionStateReasonCode.FAILED);

    private final Ec2Gateway ec2;
    private final Ec2Operations operations;

    AwsPeerings(Ec2Gateway ec2, Ec2Operations operations) {
        this.ec2 = ec2;
        this.operations = operations;
    }

    @Override
    public boolean acrossRegions() {
        return true;
    }

    @Override
    public OperationHandle createPeering(PeeringSpec spec, IdempotencyToken token) {
        String region = spec.local().region();
        String peerRegion = spec.peer().region();
        VpcPeeringConnection peering = ec2.call(region, Call.read("DescribeVpcPeeringConnections", Map.of()),
                client -> peerings(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream()
                        .filter(p -> !GONE.contains(p.status().code())).findFirst())
                .orElseGet(() -> ec2.call(region, Call.once("CreateVpcPeeringConnection",
                        Map.of(ResourceType.NETWORK, spec.local().networkId())), client -> client.createVpcPeeringConnection(request -> {
                            request.vpcId(spec.local().networkId()).peerVpcId(spec.peer().networkId())
                                    .tagSpecifications(Ec2Tags.onCreate(
                                            software.amazon.awssdk.services.ec2.model.ResourceType.VPC_PEERING_CONNECTION,
                                            "skydeck-peering", spec.tags(), Optional.of(token)));
                            if (!peerRegion.equals(region)) {
                                request.peerRegion(peerRegion);
                            }
                        })).vpcPeeringConnection());
        String id = peering.vpcPeeringConnectionId();
        ec2.remember(id, region);
        VpcPeeringConnectionStateReasonCode state = peering.status().code();
        if (state == VpcPeeringConnectionStateReasonCode.INITIATING_REQUEST) {
            throw new ProviderUnavailable(ec2.provider(), "VPC peering connection " + id + " is still initiating-request; "
                    + "repeating the create with its token accepts it once it can be", "initiating-request", null);
        }
        if (state == VpcPeeringConnectionStateReasonCode.PENDING_ACCEPTANCE) {
            ec2.call(peerRegion, Call.idempotent("AcceptVpcPeeringConnection", Map.of(ResourceType.NETWORK_PEERING, id)),
                    client -> client.acceptVpcPeeringConnection(request -> request.vpcPeeringConnectionId(id)));
        }
        route(region, spec.local().networkId(), spec.peer().cidr(), id);
        route(peerRegion, spec.peer().networkId(), spec.local().cidr(), id);
        return operations.accepted(OperationKind.CREATE, ResourceType.NETWORK_PEERING, id, region, Optional.of(token), Optional.empty());
    }

    /** A route to {@code cidr} through the peering in every route table of the VPC. */
    private void route(String region, String vpcId, String cidr, String peeringId) {
        for (RouteTable table : routeTables(region, vpcId)) {
            boolean there = table.routes().stream().anyMatch(r -> cidr.equals(r.destinationCidrBlock()) && peeringId.equals(r.vpcPeeringConnectionId()));
            if (there) {
                continue;
            }
            try {
                ec2.call(region, Call.idempotent("CreateRoute", Map.of(ResourceType.NETWORK, vpcId)), client -> client.createRoute(request ->
                        request.routeTableId(table.routeTableId()).destinationCidrBlock(cidr).vpcPeeringConnectionId(peeringId)));
            } catch (RequestRejected rejected) {
                if (!rejected.providerCode().equals(Optional.of("RouteAlreadyExists"))) {
                    throw rejected;
                }
            }
        }
    }

    @Override
    public OperationHandle deletePeering(String peeringId, IdempotencyToken token) {
        var located = ec2.locate(peeringId, (region, client) -> peering(client, peeringId),
                Call.read("DescribeVpcPeeringConnections", Map.of(ResourceType.NETWORK_PEERING, peeringId)))
                .filter(found -> !GONE.contains(found.value().status().code()))
                .orElseThrow(() -> notFound(peeringId));
        VpcPeeringConnection peering = located.value();
        unroute(regionOf(peering.requesterVpcInfo().region(), located.region()), peering.requesterVpcInfo().vpcId(), peeringId);
        unroute(regionOf(peering.accepterVpcInfo().region(), located.region()), peering.accepterVpcInfo().vpcId(), peeringId);
        ec2.call(located.region(), Call.idempotent("DeleteVpcPeeringConnection", Map.of(ResourceType.NETWORK_PEERING, peeringId)),
                client -> client.deleteVpcPeeringConnection(request -> request.vpcPeeringConnectionId(peeringId)));
        return operations.accepted(OperationKind.DELETE, ResourceType.NETWORK_PEERING, peeringId, located.region(), Optional.of(token),
                Optional.empty());
    }

    /** Removes the routes through the peering from every route table of the VPC (a peering's delete leaves them blackholed). */
    private void unroute(String region, String vpcId, String peeringId) {
        for (RouteTable table : routeTables(region, vpcId)) {
            table.routes().stream().filter(r -> peeringId.equals(r.vpcPeeringConnectionId()) && r.destinationCidrBlock() != null)
                    .forEach(r -> {
                        try {
                            ec2.call(region, Call.idempotent("DeleteRoute", Map.of(ResourceType.NETWORK, vpcId)), client -> client.deleteRoute(
                                    request -> request.routeTableId(table.routeTableId()).destinationCidrBlock(r.destinationCidrBlock())));
                        } catch (RequestRejected rejected) {
                            if (!rejected.providerCode().equals(Optional.of("InvalidRoute.NotFound"))) {
                                throw rejected;
                            }
                        }
                    });
        }
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        var resource = handle.resource();
        Optional<VpcPeeringConnection> peering = ec2.call(resource.region(),
                Call.read("DescribeVpcPeeringConnections", Map.of(ResourceType.NETWORK_PEERING, resource.id())),
                client -> peering(client, resource.id()));
        Optional<VpcPeeringConnectionStateReasonCode> state = peering.map(p -> p.status().code());
        if (handle.kind() == OperationKind.DELETE) {
            return state.isEmpty() || state.get() == VpcPeeringConnectionStateReasonCode.DELETED
                    ? operations.succeeded(handle) : operations.inProgress(handle, peering.get().status().codeAsString());
        }
        if (state.isEmpty()) {
            return operations.createdButNotVisible(handle);
        }
        if (state.get() == VpcPeeringConnectionStateReasonCode.ACTIVE) {
            return operations.succeeded(handle);
        }
        if (GONE.contains(state.get())) {
            return operations.failed(handle, new RequestRejected(ec2.provider(), "VPC peering connection " + resource.id() + " is "
                    + peering.get().status().codeAsString() + ": " + peering.get().status().message(), peering.get().status().codeAsString(), null));
        }
        return operations.inProgress(handle, peering.get().status().codeAsString());
    }

    @Override
    public Optional<ProviderPeering> getPeering(String peeringId) {
        return ec2.locate(peeringId, (region, client) -> peering(client, peeringId),
                        Call.read("DescribeVpcPeeringConnections", Map.of(ResourceType.NETWORK_PEERING, peeringId)))
                .filter(found -> !GONE.contains(found.value().status().code()))
                .map(found -> convert(found.value(), found.region()));
    }

    @Override
    public Optional<ProviderPeering> findPeeringByToken(IdempotencyToken token) {
        return ec2.callEveryRegion(Call.read("DescribeVpcPeeringConnections", Map.of()), (region, client) ->
                peerings(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream()
                        .filter(p -> !GONE.contains(p.status().code()))
                        .map(p -> convert(p, region)).toList()).stream().findFirst();
    }

    private static ProviderPeering convert(VpcPeeringConnection p, String region) {
        return new ProviderPeering(p.vpcPeeringConnectionId(), regionOf(p.requesterVpcInfo().region(), region), p.requesterVpcInfo().vpcId(),
                regionOf(p.accepterVpcInfo().region(), region), p.accepterVpcInfo().vpcId(), Ec2Tags.token(p.tags()),
                Ec2Tags.userTags(p.tags()));
    }

    /** EC2 names each side's region; an older answer without it means the region asked. */
    private static String regionOf(String named, String asked) {
        return named == null || named.isEmpty() ? asked : named;
    }

    private List<RouteTable> routeTables(String region, String vpcId) {
        return ec2.call(region, Call.read("DescribeRouteTables", Map.of(ResourceType.NETWORK, vpcId)), client ->
                client.describeRouteTablesPaginator(request -> request.filters(Ec2Tags.filter("vpc-id", vpcId))).routeTables().stream().toList());
    }

    private static Optional<VpcPeeringConnection> peering(Ec2Client client, String id) {
        return Ec2Gateway.unlessMissing(() -> peerings(client, List.of(), List.of(id)).stream().findFirst());
    }

    private static List<VpcPeeringConnection> peerings(Ec2Client client, List<Filter> filters, List<String> ids) {
        return client.describeVpcPeeringConnectionsPaginator(request -> {
            if (!filters.isEmpty()) {
                request.filters(filters);
            }
            if (!ids.isEmpty()) {
                request.vpcPeeringConnectionIds(ids);
            }
        }).vpcPeeringConnections().stream().toList();
    }

    private ResourceNotFound notFound(String id) {
        return new ResourceNotFound(ec2.provider(), ResourceType.NETWORK_PEERING, id,
                "The vpcPeeringConnection ID '" + id + "' does not exist in any configured region", "InvalidVpcPeeringConnectionID.NotFound", null);
    }
}
