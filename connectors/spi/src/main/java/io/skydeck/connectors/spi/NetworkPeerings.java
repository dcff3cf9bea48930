package io.skydeck.connectors.spi;

import java.util.Optional;

/**
 * Joins two networks of one provider so that each routes to the other's range: an AWS VPC
 * peering with a route each way, a Neutron router that gets an interface on the other network,
 * a pair of Kubernetes NetworkPolicies admitting the other namespace. The connector makes the
 * routes too, because a peering without them carries nothing. Creates and deletes are
 * idempotent by token; the token is kept on the provider's object so a service that crashed
 * before recording the id finds it again ({@link #findPeeringByToken}).
 */
public non-sealed interface NetworkPeerings extends Capability, TracksOperations {

    /** Whether the two networks may lie in different regions of this provider (AWS can, with PeerRegion). */
    boolean acrossRegions();

    /**
     * @throws ResourceNotFound for an unknown network on either side
     * @throws RequestRejected  for two regions when {@link #acrossRegions()} is false
     */
    OperationHandle createPeering(PeeringSpec spec, IdempotencyToken token);

    /** Removes the peering and the routes it added; deleting one already gone is a {@link ResourceNotFound}. */
    OperationHandle deletePeering(String peeringId, IdempotencyToken token);

    Optional<ProviderPeering> getPeering(String peeringId);

    Optional<ProviderPeering> findPeeringByToken(IdempotencyToken token);
}
