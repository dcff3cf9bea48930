package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkPeerings;
import io.skydeck.connectors.spi.OperationHandle;
import io.skydeck.connectors.spi.OperationKind;
import io.skydeck.connectors.spi.OperationStatus;
import io.skydeck.connectors.spi.PeeringSpec;
import io.skydeck.connectors.spi.ProviderPeering;
import io.skydeck.connectors.spi.ResourceRef;
import io.skydeck.connectors.spi.ResourceType;

import java.util.Optional;

/**
 * Peerings between two sandbox networks, in one region or two (the sandbox peers across regions,
 * as AWS does). Like a network, a peering exists from its accepted create and is gone if the
 * create fails; while a network has a peering, deleting the network is refused, as EC2 refuses
 * to delete a VPC with an active peering connection.
 */
final class SandboxPeerings implements NetworkPeerings, SandboxCloud.Settler {

    private final SandboxCloud cloud;

    SandboxPeerings(SandboxCloud cloud) {
        this.cloud = cloud;
    }

    @Override
    public boolean acrossRegions() {
        return true;
    }

    @Override
    public OperationHandle createPeering(PeeringSpec spec, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.CREATE_PEERING, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.CREATE_PEERING, spec);
            if (replay.isPresent()) {
                return replay.get();
            }
            var state = cloud.state();
            for (PeeringSpec.NetworkSide side : new PeeringSpec.NetworkSide[] {spec.local(), spec.peer()}) {
                var network = state.networks.get(side.networkId());
                if (network == null || !network.region().equals(side.region())) {
                    throw cloud.notFound(ResourceType.NETWORK, side.networkId());
                }
            }
            if (spec.local().networkId().equals(spec.peer().networkId())) {
                throw cloud.rejected("Network " + spec.local().networkId() + " cannot be peered with itself.");
            }
            var peering = new ProviderPeering(state.newId("pcx"), spec.local().region(), spec.local().networkId(), spec.peer().region(),
                    spec.peer().networkId(), Optional.of(token), spec.tags());
            state.peerings.put(peering.id(), peering);
            var handle = cloud.accept(acceptance, OperationKind.CREATE, ref(peering), Optional.of(token),
                    cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.CREATE_PEERING, spec, handle);
            return handle;
        });
    }

    @Override
    public OperationHandle deletePeering(String peeringId, IdempotencyToken token) {
        return cloud.mutate(SandboxCall.DELETE_PEERING, acceptance -> {
            var replay = cloud.replay(token, SandboxCall.DELETE_PEERING, peeringId);
            if (replay.isPresent()) {
                return replay.get();
            }
            var peering = Optional.ofNullable(cloud.state().peerings.get(peeringId))
                    .orElseThrow(() -> cloud.notFound(ResourceType.NETWORK_PEERING, peeringId));
            var pending = cloud.pendingOn(peeringId);
            if (pending.isPresent() && pending.get().kind() == OperationKind.DELETE) {
                return pending.get().handle(cloud.name());
            }
            pending.ifPresent(op -> cloud.supersede(op, acceptance.now(), peeringId + " was deleted"));
            var handle = cloud.accept(acceptance, OperationKind.DELETE, ref(peering), Optional.of(token),
                    cloud.topology().latency().network(), Optional.empty());
            cloud.remember(token, SandboxCall.DELETE_PEERING, peeringId, handle);
            return handle;
        });
    }

    @Override
    public OperationStatus poll(OperationHandle handle) {
        return cloud.poll(handle, SandboxCall.READ_PEERINGS);
    }

    @Override
    public Optional<ProviderPeering> getPeering(String peeringId) {
        return cloud.read(SandboxCall.READ_PEERINGS, () -> Optional.ofNullable(cloud.state().peerings.get(peeringId)));
    }

    @Override
    public Optional<ProviderPeering> findPeeringByToken(IdempotencyToken token) {
        return cloud.read(SandboxCall.READ_PEERINGS, () -> cloud.state().peerings.values().stream()
                .filter(p -> p.token().equals(Optional.of(token))).findFirst());
    }

    @Override
    public void finish(SandboxOperation operation) {
        boolean ok = operation.outcome() == SandboxOperation.Outcome.SUCCEEDED;
        if (operation.kind() == OperationKind.DELETE ? ok : !ok) {
            cloud.state().peerings.remove(operation.resource().id());
        }
    }

    private static ResourceRef ref(ProviderPeering peering) {
        return new ResourceRef(ResourceType.NETWORK_PEERING, peering.id(), peering.region());
    }
}
