package io.skydeck.connectors.aws;

import io.skydeck.connectors.aws.Ec2Gateway.Call;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderPublicIp;
import io.skydeck.connectors.spi.PublicIpSpec;
import io.skydeck.connectors.spi.PublicIps;
import io.skydeck.connectors.spi.ResourceNotFound;
import io.skydeck.connectors.spi.ResourceType;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Address;
import software.amazon.awssdk.services.ec2.model.DomainType;
import software.amazon.awssdk.services.ec2.model.Filter;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Elastic IPs, named by allocation id (eipalloc-…). AllocateAddress takes no client token, so
 * the token rides as a tag like on VPCs. All four calls take effect at once; polling confirms.
 */
final class AwsPublicIps implements PublicIps {
    private final Ec2Gateway ec2;
    private final Ec2Operations operations;

    AwsPublicIps(Ec2Gateway ec2, Ec2Operations operations) {
        this.ec2 = ec2;
        this.operations = operations;
    }

    @Override
    public OperationHandle allocate(PublicIpSpec spec, IdempotencyToken token) {
        String region = spec.region();
        String allocationId = ec2.call(region, Call.read("DescribeAddresses", Map.of()),
                        client -> addresses(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream().findFirst())
                .map(Address::allocationId)
                .orElseGet(() -> ec2.call(region, Call.once("AllocateAddress", Map.of()), client -> client.allocateAddress(request -> {
                    request.domain(DomainType.VPC).tagSpecifications(Ec2Tags.onCreate(
                            software.amazon.awssdk.services.ec2.model.ResourceType.ELASTIC_IP, "skydeck-" + token, spec.tags(), Optional.of(token)));
                    spec.pool().ifPresent(request::publicIpv4Pool); // a BYOIP pool; AWS's own when absent
                })).allocationId());
        ec2.remember(allocationId, region);
        return operations.accepted(OperationKind.CREATE, ResourceType.PUBLIC_IP, allocationId, region, Optional.of(token), Optional.empty());
    }

    /** An associated address is refused by EC2 (InvalidIPAddress.InUse → RequestRejected). */
    @Override
    public OperationHandle release(String publicIpId, IdempotencyToken token) {
        String region = regionOf(publicIpId);
        ec2.call(region, Call.idempotent("ReleaseAddress", Map.of(ResourceType.PUBLIC_IP, publicIpId)),
                client -> client.releaseAddress(request -> request.allocationId(publicIpId)));
        return operations.accepted(OperationKind.DELETE, ResourceType.PUBLIC_IP, publicIpId, region, Optional.of(token), Optional.empty());
    }

    @Override
    public OperationHandle associate(String publicIpId, String serverId) {
        String region = regionOf(publicIpId);
        ec2.call(region, Call.idempotent("AssociateAddress", Map.of(ResourceType.PUBLIC_IP, publicIpId, ResourceType.SERVER, serverId)),
                client -> client.associateAddress(request -> request.allocationId(publicIpId).instanceId(serverId)));
        return operations.accepted(OperationKind.UPDATE, ResourceType.PUBLIC_IP, publicIpId, region, Optional.empty(), Optional.of(serverId));
    }

    @Override
    public OperationHandle disassociate(String publicIpId) {
        var located = ec2.locate(publicIpId, (region, client) -> address(client, publicIpId),
                Call.read("DescribeAddresses", Map.of(ResourceType.PUBLIC_IP, publicIpId))).orElseThrow(() -> notFound(publicIpId));
        String associationId = located.value().associationId();
        if (associationId != null) {
            ec2.call(located.region(), Call.idempotent("DisassociateAddress", Map.of(ResourceType.PUBLIC_IP, publicIpId)),
                    client -> client.disassociateAddress(request -> request.associationId(associationId)));
        }
        return operations.accepted(OperationKind.UPDATE, ResourceType.PUBLIC_IP, publicIpId, located.region(), Optional.empty(), Optional.empty());
    }

    @Override
    public Optional<ProviderPublicIp> get(String publicIpId) {
        return ec2.locate(publicIpId, (region, client) -> address(client, publicIpId),
                        Call.read("DescribeAddresses", Map.of(ResourceType.PUBLIC_IP, publicIpId)))
                .map(located -> convert(located.value(), located.region()));
    }

    @Override
    public Optional<ProviderPublicIp> findByToken(IdempotencyToken token) {
        return ec2.callEveryRegion(Call.read("DescribeAddresses", Map.of()), (region, client) ->
                addresses(client, List.of(Ec2Tags.tokenFilter(token)), List.of()).stream()
                        .map(address -> convert(address, region)).toList()).stream().findFirst();
    }

    @Override
    public List<ProviderPublicIp> list() {
        return ec2.callEveryRegion(Call.read("DescribeAddresses", Map.of()), (region, client) ->
                addresses(client, List.of(), List.of()).stream().map(address -> convert(address, region)).toList());
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        operations.requireOwn(handle);
        String id = handle.resource().id();
        Optional<Address> address = ec2.call(handle.resource().region(), Call.read("DescribeAddresses", Map.of(ResourceType.PUBLIC_IP, id)),
                client -> address(client, id));
        return switch (handle.kind()) {
            case DELETE -> address.isEmpty() ? operations.succeeded(handle) : operations.inProgress(handle, "still allocated");
            case CREATE -> address.isPresent() ? operations.succeeded(handle) : operations.createdButNotVisible(handle);
            case UPDATE -> {
                if (address.isEmpty()) {
                    yield operations.failed(handle, notFound(id));
                }
                Optional<String> wanted = Ec2Operations.argument(handle);
                yield wanted.equals(Optional.ofNullable(address.get().instanceId()))
                        ? operations.succeeded(handle) : operations.inProgress(handle, "association pending");
            }
            case START, STOP, RESIZE, SCALE -> throw new IllegalArgumentException("no " + handle.kind() + " runs on an Elastic IP");
        };
    }

    /** The instance an address points at is its server; one on a bare network interface has none. */
    static ProviderPublicIp convert(Address address, String region) {
        return new ProviderPublicIp(address.allocationId(), address.publicIp(), region, Optional.ofNullable(address.instanceId()),
                Ec2Tags.token(address.tags()), Ec2Tags.userTags(address.tags()));
    }

    private String regionOf(String publicIpId) {
        return ec2.regionOf(publicIpId, (region, client) -> address(client, publicIpId),
                Call.read("DescribeAddresses", Map.of(ResourceType.PUBLIC_IP, publicIpId)), () -> notFound(publicIpId));
    }

    private static Optional<Address> address(Ec2Client client, String allocationId) {
        return Ec2Gateway.unlessMissing(() -> addresses(client, List.of(), List.of(allocationId)).stream().findFirst());
    }

    /** DescribeAddresses is not paginated: an account has a few Elastic IPs per region. */
    private static List<Address> addresses(Ec2Client client, List<Filter> filters, List<String> allocationIds) {
        return client.describeAddresses(request -> {
            if (!filters.isEmpty()) {
                request.filters(filters);
            }
            if (!allocationIds.isEmpty()) {
                request.allocationIds(allocationIds);
            }
        }).addresses();
    }

    private ResourceNotFound notFound(String allocationId) {
        return new ResourceNotFound(ec2.provider(), ResourceType.PUBLIC_IP, allocationId,
                "The allocation ID '" + allocationId + "' does not exist in any configured region", "InvalidAllocationID.NotFound", null);
    }
}
