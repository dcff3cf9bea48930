package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderVpnConnection;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.VpnConnections;
import io.skydeck.connectors.spi.VpnSpec;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.CustomerGateway;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.RouteTable;
import software.amazon.awssdk.services.ec2.model.VpnConnection;
import software.amazon.awssdk.services.ec2.model.VpnGateway;
import software.amazon.awssdk.services.ec2.model.VpnState;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One side of a site-to-site VPN on AWS: the VPC's virtual private gateway (CreateVpnGateway +
 * AttachVpnGateway, one per VPC, shared by its links), a customer gateway for the other side's
 * public address (CreateCustomerGateway, BGP ASN 65000 — unused with static routes, but required),
 * the VPN connection (CreateVpnConnection, ipsec.1, StaticRoutesOnly, the pre-shared key on both
 * tunnels), its static route to the other side's range (CreateVpnConnectionRoute), and a route
 * there through the gateway in each of the VPC's route tables. None of these takes a client
 * token: each is tagged with it in its create and found by the tag on a repeat, which carries on
 * from where the first stopped.
 *
 * <p>AWS chooses the tunnel's outside address when the connection is made, so this side cannot
 * say its address first ({@link #endpointKnownFirst()} is false): the other side must. The key
 * is given to EC2 and never read back into anything Skydeck shows or logs.
 */
final class AwsVpns implements VpnConnections {
    static final String VPC_TAG = "skydeck:vpc";
    private static final int BGP_ASN = 65000;
    private static final Set<VpnState> GONE = Set.of(VpnState.DELETING, VpnState.DELETED);

    private final Ec2Gateway ec2;
    private final Ec2Operations operations;

    AwsVpns(Ec2Gateway ec2, Ec2Operations operations) {
        this.ec2 = ec2;
        this.operations = operations;
    }

    @Override
    public boolean endpointKnownFirst() {
        return false;
    }

    @Override
    public Optional<String> endpointAddress(String region, String networkId) {
        return Optional.empty();
    }

    @Override
    public OperationHandle createVpnConnection(VpnSpec spec, IdempotencyToken token) {
        String region = spec.region();
        String vpc = spec.networkId();
        Optional<VpnConnection> earlier = ec2.call(region, Call.read("DescribeVpnConnections", Map.of()),
                client -> connections(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream()
                        .filter(c -> !GONE.contains(c.state())).findFirst());
        String gateway = earlier.map(VpnConnection::vpnGatewayId).orElseGet(() -> gatewayOf(region, vpc, spec, token));
        VpnConnection connection = earlier.orElseGet(() -> {
            String customer = customerGateway(region, spec, token);
            Map<String, String> tags = new HashMap<>(spec.tags());
            tags.put(VPC_TAG, vpc);
            return ec2.call(region, Call.once("CreateVpnConnection", Map.of(ResourceType.NETWORK, vpc)), client -> client.createVpnConnection(r -> r
                    .type("ipsec.1").customerGatewayId(customer).vpnGatewayId(gateway)
                    .options(o -> o.staticRoutesOnly(true).tunnelOptions(
                            t -> t.preSharedKey(spec.preSharedKey()), t -> t.preSharedKey(spec.preSharedKey())))
                    .tagSpecifications(Ec2Tags.onCreate(software.amazon.awssdk.services.ec2.model.ResourceType.VPN_CONNECTION,
                            "skydeck-vpn", tags, Optional.of(token))))).vpnConnection();
        });
        String id = connection.vpnConnectionId();
        ec2.remember(id, region);
        boolean routed = connection.hasRoutes() && connection.routes().stream().anyMatch(r -> spec.peerCidr().equals(r.destinationCidrBlock()));
        if (!routed) {
            ec2.call(region, Call.idempotent("CreateVpnConnectionRoute", Map.of(ResourceType.VPN_CONNECTION, id)), client ->
                    client.createVpnConnectionRoute(r -> r.vpnConnectionId(id).destinationCidrBlock(spec.peerCidr())));
        }
        for (RouteTable table : routeTables(region, vpc)) {
            if (table.routes().stream().anyMatch(r -> spec.peerCidr().equals(r.destinationCidrBlock()) && gateway.equals(r.gatewayId()))) {
                continue;
            }
            try {
                ec2.call(region, Call.idempotent("CreateRoute", Map.of(ResourceType.NETWORK, vpc)), client -> client.createRoute(r -> r
                        .routeTableId(table.routeTableId()).destinationCidrBlock(spec.peerCidr()).gatewayId(gateway)));
            } catch (RequestRejected rejected) {
                if (!rejected.providerCode().equals(Optional.of("RouteAlreadyExists"))) {
                    throw rejected;
                }
            }
        }
        return operations.accepted(OperationKind.CREATE, ResourceType.VPN_CONNECTION, id, region, Optional.of(token), Optional.empty());
    }

    /** The VPC's virtual private gateway: the one attached to it, else one this token made, else a new one; attached. */
    private String gatewayOf(String region, String vpc, VpnSpec spec, IdempotencyToken token) {
        Optional<VpnGateway> attached = ec2.call(region, Call.read("DescribeVpnGateways", Map.of(ResourceType.NETWORK, vpc)), client ->
                gateways(client, List.of(Ec2Tags.filter("attachment.vpc-id", vpc))).stream()
                        .filter(g -> !GONE.contains(g.state())).findFirst());
        if (attached.isPresent()) {
            return attached.get().vpnGatewayId();
        }
        VpnGateway gateway = ec2.call(region, Call.read("DescribeVpnGateways", Map.of()), client ->
                        gateways(client, List.of(Ec2Tags.tokenFilter(token))).stream().filter(g -> !GONE.contains(g.state())).findFirst())
                .orElseGet(() -> ec2.call(region, Call.once("CreateVpnGateway", Map.of(ResourceType.NETWORK, vpc)), client ->
                        client.createVpnGateway(r -> r.type("ipsec.1").tagSpecifications(Ec2Tags.onCreate(
                                software.amazon.awssdk.services.ec2.model.ResourceType.VPN_GATEWAY, "skydeck-vgw-" + vpc, spec.tags(),
                                Optional.of(token))))).vpnGateway());
        ec2.call(region, Call.idempotent("AttachVpnGateway", Map.of(ResourceType.NETWORK, vpc)), client ->
                client.attachVpnGateway(r -> r.vpcId(vpc).vpnGatewayId(gateway.vpnGatewayId())));
        return gateway.vpnGatewayId();
    }

    /** The customer gateway standing for the other side's address: the one this token made, or a new one. */
    private String customerGateway(String region, VpnSpec spec, IdempotencyToken token) {
        return ec2.call(region, Call.read("DescribeCustomerGateways", Map.of()), client -> customerGateways(client,
                        List.of(Ec2Tags.tokenFilter(token)), List.of()).stream().filter(g -> !"deleted".equals(g.state())
                        && !"deleting".equals(g.state())).findFirst())
                .map(CustomerGateway::customerGatewayId)
                .orElseGet(() -> ec2.call(region, Call.once("CreateCustomerGateway", Map.of(ResourceType.NETWORK, spec.networkId())), client ->
                        client.createCustomerGateway(r -> r.type("ipsec.1").bgpAsn(BGP_ASN).ipAddress(spec.peerAddress())
                                .tagSpecifications(Ec2Tags.onCreate(software.amazon.awssdk.services.ec2.model.ResourceType.CUSTOMER_GATEWAY,
                                        "skydeck-peer-" + spec.peerAddress(), spec.tags(), Optional.of(token))))).customerGateway().customerGatewayId());
    }

    @Override
    public OperationHandle deleteVpnConnection(String connectionId, IdempotencyToken token) {
        var located = ec2.locate(connectionId, (region, client) -> connection(client, connectionId),
                        Call.read("DescribeVpnConnections", Map.of(ResourceType.VPN_CONNECTION, connectionId)))
                .filter(found -> !GONE.contains(found.value().state()))
                .orElseThrow(() -> notFound(connectionId));
        String region = located.region();
        VpnConnection connection = located.value();
        Optional<String> vpc = Ec2Tags.value(connection.tags(), VPC_TAG);
        if (vpc.isPresent() && connection.hasRoutes()) {
            for (RouteTable table : routeTables(region, vpc.get())) {
                table.routes().stream().filter(r -> connection.vpnGatewayId().equals(r.gatewayId()) && r.destinationCidrBlock() != null
                                && connection.routes().stream().anyMatch(s -> r.destinationCidrBlock().equals(s.destinationCidrBlock())))
                        .forEach(r -> ec2.call(region, Call.idempotent("DeleteRoute", Map.of(ResourceType.NETWORK, vpc.get())), client ->
                                client.deleteRoute(d -> d.routeTableId(table.routeTableId()).destinationCidrBlock(r.destinationCidrBlock()))));
            }
        }
        ec2.call(region, Call.idempotent("DeleteVpnConnection", Map.of(ResourceType.VPN_CONNECTION, connectionId)),
                client -> client.deleteVpnConnection(r -> r.vpnConnectionId(connectionId)));
        try {
            ec2.call(region, Call.idempotent("DeleteCustomerGateway", Map.of(ResourceType.VPN_CONNECTION, connectionId)),
                    client -> client.deleteCustomerGateway(r -> r.customerGatewayId(connection.customerGatewayId())));
        } catch (RequestRejected stillInUse) {
            // EC2 keeps a customer gateway while a connection on it is still deleting; drift reports it if it stays.
        }
        vpc.ifPresent(v -> letGatewayGo(region, v, connection.vpnGatewayId(), connectionId));
        return operations.accepted(OperationKind.DELETE, ResourceType.VPN_CONNECTION, connectionId, region, Optional.of(token), Optional.empty());
    }

    /**
     * Detaches the VPC's virtual private gateway when the connection going was the last one on it:
     * AWS refuses to delete a VPC while a gateway is attached (DependencyViolation), so a VPC that
     * once had a VPN could not be deleted after its links were. Then deletes the gateway if EC2
     * lets it already; EC2 keeps a gateway while a connection on it is still deleting, and a
     * detached gateway costs nothing (the VPC's next link makes a fresh one).
     */
    private void letGatewayGo(String region, String vpc, String gateway, String going) {
        boolean stillUsed = ec2.call(region, Call.read("DescribeVpnConnections", Map.of(ResourceType.NETWORK, vpc)), client ->
                connections(client, List.of(Ec2Tags.filter("vpn-gateway-id", gateway)), List.of()).stream()
                        .anyMatch(c -> !GONE.contains(c.state()) && !c.vpnConnectionId().equals(going)));
        if (stillUsed) {
            return;
        }
        ec2.call(region, Call.idempotent("DetachVpnGateway", Map.of(ResourceType.NETWORK, vpc)), client ->
                client.detachVpnGateway(r -> r.vpcId(vpc).vpnGatewayId(gateway)));
        try {
            ec2.call(region, Call.idempotent("DeleteVpnGateway", Map.of(ResourceType.NETWORK, vpc)), client ->
                    client.deleteVpnGateway(r -> r.vpnGatewayId(gateway)));
        } catch (RequestRejected notYet) {
            // IncorrectState while the connection is still deleting: the gateway stays, detached.
        }
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        var resource = handle.resource();
        Optional<VpnConnection> connection = ec2.call(resource.region(),
                Call.read("DescribeVpnConnections", Map.of(ResourceType.VPN_CONNECTION, resource.id())), client -> connection(client, resource.id()));
        Optional<VpnState> state = connection.map(VpnConnection::state);
        if (handle.kind() == OperationKind.DELETE) {
            return state.isEmpty() || state.get() == VpnState.DELETED ? operations.succeeded(handle)
                    : operations.inProgress(handle, connection.get().stateAsString());
        }
        if (state.isEmpty()) {
            return operations.createdButNotVisible(handle);
        }
        if (state.get() == VpnState.AVAILABLE) {
            return operations.succeeded(handle);
        }
        if (GONE.contains(state.get())) {
            return operations.failed(handle, new RequestRejected(ec2.provider(), "VPN connection " + resource.id() + " is "
                    + connection.get().stateAsString(), connection.get().stateAsString(), null));
        }
        return operations.inProgress(handle, connection.get().stateAsString());
    }

    @Override
    public Optional<ProviderVpnConnection> getVpnConnection(String connectionId) {
        return ec2.locate(connectionId, (region, client) -> connection(client, connectionId),
                        Call.read("DescribeVpnConnections", Map.of(ResourceType.VPN_CONNECTION, connectionId)))
                .filter(found -> !GONE.contains(found.value().state()))
                .map(found -> convert(found.value(), found.region()));
    }

    @Override
    public Optional<ProviderVpnConnection> findVpnConnectionByToken(IdempotencyToken token) {
        return ec2.callEveryRegion(Call.read("DescribeVpnConnections", Map.of()), (region, client) ->
                connections(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream().filter(c -> !GONE.contains(c.state()))
                        .map(c -> new Object[] {c, region}).toList()).stream().findFirst()
                .map(found -> convert((VpnConnection) found[0], (String) found[1]));
    }

    /** The connection as the SPI shows it; the other side's address is its customer gateway's. */
    private ProviderVpnConnection convert(VpnConnection c, String region) {
        Optional<String> outside = c.options() != null && c.options().hasTunnelOptions()
                ? c.options().tunnelOptions().stream().map(t -> t.outsideIpAddress()).filter(a -> a != null).findFirst() : Optional.empty();
        if (outside.isEmpty() && c.hasVgwTelemetry()) {
            outside = c.vgwTelemetry().stream().map(t -> t.outsideIpAddress()).filter(a -> a != null).findFirst();
        }
        String peer = ec2.call(region, Call.read("DescribeCustomerGateways", Map.of(ResourceType.VPN_CONNECTION, c.vpnConnectionId())), client ->
                customerGateways(client, List.of(), List.of(c.customerGatewayId())).stream().findFirst()
                        .map(CustomerGateway::ipAddress).orElse(""));
        String peerCidr = c.hasRoutes() ? c.routes().stream().map(r -> r.destinationCidrBlock()).findFirst().orElse("") : "";
        Map<String, String> tags = new HashMap<>(Ec2Tags.userTags(c.tags()));
        tags.remove(VPC_TAG);
        return new ProviderVpnConnection(c.vpnConnectionId(), region, Ec2Tags.value(c.tags(), VPC_TAG).orElse(""), outside, peer, peerCidr,
                Ec2Tags.token(c.tags()), tags);
    }

    private List<RouteTable> routeTables(String region, String vpcId) {
        return ec2.call(region, Call.read("DescribeRouteTables", Map.of(ResourceType.NETWORK, vpcId)), client ->
                client.describeRouteTablesPaginator(r -> r.filters(Ec2Tags.filter("vpc-id", vpcId))).routeTables().stream().toList());
    }

    private static Optional<VpnConnection> connection(Ec2Client client, String id) {
        return Ec2Gateway.unlessMissing(() -> connections(client, List.of(), List.of(id)).stream().findFirst());
    }

    private static List<VpnConnection> connections(Ec2Client client, List<Filter> filters, List<String> ids) {
        return client.describeVpnConnections(r -> {
            if (!filters.isEmpty()) {
                r.filters(filters);
            }
            if (!ids.isEmpty()) {
                r.vpnConnectionIds(ids);
            }
        }).vpnConnections();
    }

    private static List<VpnGateway> gateways(Ec2Client client, List<Filter> filters) {
        return client.describeVpnGateways(r -> r.filters(filters)).vpnGateways();
    }

    private static List<CustomerGateway> customerGateways(Ec2Client client, List<Filter> filters, List<String> ids) {
        return client.describeCustomerGateways(r -> {
            if (!filters.isEmpty()) {
                r.filters(filters);
            }
            if (!ids.isEmpty()) {
                r.customerGatewayIds(ids);
            }
        }).customerGateways();
    }

    private ResourceNotFound notFound(String id) {
        return new ResourceNotFound(ec2.provider(), ResourceType.VPN_CONNECTION, id,
                "The vpnConnection ID '" + id + "' does not exist in any configured region", "InvalidVpnConnectionID.NotFound", null);
    }
}
