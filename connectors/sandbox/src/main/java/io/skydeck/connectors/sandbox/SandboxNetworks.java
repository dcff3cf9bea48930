package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.ProviderNetwork;
import io.skydeck.connectors.spi.ProviderSubnet;
import io.skydeck.connectors.spi.RequestRejected;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;
import io.skydeck.connectors.spi.SubnetSpec;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Networks and subnets. They exist from the moment a create is accepted (Neutron answers with
 * the object); the operation finishes after the topology's network latency. A create that
 * fails removes what it made, so a failed network is absent rather than half there.
 */
final class SandboxNetworks implements Networks, SandboxCloud.Settler {
    private static final String CIDR = "\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}";
    /** An IPv6 range as Skydeck writes one (canonical, compressed): hex groups and colons, then a prefix. */
    private static final String IPV6_CIDR = "[0-9a-f:]*:[0-9a-f:]*/\\d{1,3}";

    private final SandboxCloud cloud;

    SandboxNetworks(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public OperationHandle createNetwork(NetworkSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.CREATE_NETWORK, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_NETWORK, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            cloud.topology().region(spec.region()).orElseThrow(() -> cloud.notFound(ResourceType.REGION, spec.region()));
            spec.cidr().ifPresent(this::requireCidr);
            if (spec.ipv6() && spec.ipv6Cidr().isEmpty()) {
                throw new RequestRejected(cloud.name(), "The sandbox chooses no IPv6 range: give one.", "InvalidParameterValue", null);
            }
            spec.ipv6Cidr().ifPresent(this::requireIpv6Cidr);
            var state = cloud.state();
            var network = new ProviderNetwork(state.newId("net"), spec.name(), spec.region(), spec.cidr(), Optional.of(token), spec.tags());
            state.networks.put(network.id(), network);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, new ResourceRef(ResourceType.NETWORK, network.id(), network.region()),
                    Optional.of(token), cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_NETWORK, spec, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle deleteNetwork(String networkId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_NETWORK, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_NETWORK, networkId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var network = Optional.ofNullable(cloud.state().networks.get(networkId))
                    .orElseThrow(() -> cloud.notFound(ResourceType.NETWORK, networkId));
            if (cloud.state().subnets.values().stream().anyMatch(subnet -> subnet.networkId().equals(networkId))) {
                throw cloud.rejected("Network " + networkId + " still has subnets.");
            }
            if (cloud.state().peerings.values().stream().anyMatch(p -> p.networkId().equals(networkId) || p.peerNetworkId().equals(networkId))
                    || cloud.state().vpnConnections.values().stream().anyMatch(c -> c.networkId().equals(networkId))) {
                throw cloud.rejected("Network " + networkId + " still has peering or VPN connections.");
            }
            return deleting(acceptance, new ResourceRef(ResourceType.NETWORK, networkId, network.region()), token, SandboxCall.DELETE_NETWORK);
        });
    }

    @Override
    public OperationHandle createSubnet(SubnetSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.CREATE_SUBNET, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_SUBNET, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            var state = cloud.state();
            var network = Optional.ofNullable(state.networks.get(spec.networkId()))
                    .orElseThrow(() -> cloud.notFound(ResourceType.NETWORK, spec.networkId()));
            requireCidr(spec.cidr());
            spec.ipv6Cidr().ifPresent(range -> {
                requireIpv6Cidr(range);
                if (!range.endsWith("/64")) {
                    throw new RequestRejected(cloud.name(), "An IPv6 subnet is a /64, not " + range + ".", "InvalidParameterValue", null);
                }
            });
            var region = cloud.topology().region(network.region()).orElseThrow();
            spec.zone().filter(zone -> region.zones().stream().noneMatch(z -> z.id().equals(zone)))
                    .ifPresent(zone -> {
                        throw cloud.notFound(ResourceType.ZONE, zone);
                    });
            var subnet = new ProviderSubnet(state.newId("subnet"), network.id(), spec.name(), network.region(), spec.cidr(),
                    spec.zone(), Optional.of(token), spec.tags());
            state.subnets.put(subnet.id(), subnet);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, new ResourceRef(ResourceType.SUBNET, subnet.id(), subnet.region()),
                    Optional.of(token), cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_SUBNET, spec, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle deleteSubnet(String subnetId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_SUBNET, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_SUBNET, subnetId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var subnet = Optional.ofNullable(cloud.state().subnets.get(subnetId))
                    .orElseThrow(() -> cloud.notFound(ResourceType.SUBNET, subnetId));
            return deleting(acceptance, new ResourceRef(ResourceType.SUBNET, subnetId, subnet.region()), token, SandboxCall.DELETE_SUBNET);
        });
    }

    private OperationHandle deleting(SandboxCloud.Acceptance acceptance, ResourceRef ref, IdempotencyToken token, SandboxCall call) {
        var pending = cloud.pendingOn(ref.id());
        if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
            return pending.get().handle(cloud.name());
        }
        pending.ifPresent(op -> cloud.supersede(op, acceptance.now(), ref.id() + " was deleted"));
        var handle = cloud.accept(acceptance, OperationKind.DELETE, ref, Optional.of(token), cloud.topology().latency().network(), Optional.empty());
        cloud.remember(token, call, ref.id(), handle);
        return handle;
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_NETWORKS);
    }

    @Override
    public Optional<ProviderNetwork> getNetwork(String networkId) {
        return cloud.read(SandboxCall.READ_NETWORKS, () -> Optional.ofNullable(cloud.state().networks.get(networkId)));
    }

    @Override
    public Optional<ProviderSubnet> getSubnet(String subnetId) {
        return cloud.read(SandboxCall.READ_NETWORKS, () -> Optional.ofNullable(cloud.state().subnets.get(subnetId)));
    }

    @Override
    public Optional<ResourceRef> findByToken(IdempotencyToken token) {
        var wanted = Optional.of(token);
        return cloud.read(SandboxCall.READ_NETWORKS, () -> Stream.concat(
                        cloud.state().networks.values().stream().filter(n -> n.token().equals(wanted))
                                .map(n -> new ResourceRef(ResourceType.NETWORK, n.id(), n.region())),
                        cloud.state().subnets.values().stream().filter(s -> s.token().equals(wanted))
                                .map(s -> new ResourceRef(ResourceType.SUBNET, s.id(), s.region())))
                .findFirst());
    }

    @Override
    public List<ProviderNetwork> listNetworks() {
        return cloud.read(SandboxCall.READ_NETWORKS, () -> List.copyOf(cloud.state().networks.values()));
    }

    @Override
    public List<ProviderSubnet> listSubnets(String networkId) {
        return cloud.read(SandboxCall.READ_NETWORKS, () -> cloud.state().subnets.values().stream()
                .filter(subnet -> subnet.networkId().equals(networkId)).toList());
    }

    @Override
    public void finish(SandboxOperation operation) {
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        boolean gone = operation.kind() == OperationKind.DELETE ? ok : !ok;
        if (gone) {
            var state = cloud.state();
            (operation.resource().type() == ResourceType.NETWORK ? state.networks : state.subnets).remove(operation.resource().id());
        }
    }

    @Override
    public boolean realisesIpv6() {
        return true;
    }

    private void requireIpv6Cidr(String cidr) {
        if (!cidr.matches(IPV6_CIDR)) {
            throw new RequestRejected(cloud.name(), "Invalid IPv6 CIDR " + cidr + ".", "InvalidParameterValue", null);
        }
    }

    private void requireCidr(String cidr) {
        if (!cidr.matches(CIDR)) {
            throw new RequestRejected(cloud.name(), "Invalid CIDR " + cidr + ".", "InvalidParameterValue", null);
        }
    }
}
