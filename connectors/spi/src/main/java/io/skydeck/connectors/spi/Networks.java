package io.skydeck.connectors.spi;

import java.util.List;
import java.util.Optional;

/** Tenant networks and their subnets (Neutron, VPC). Creates are idempotent by token. */
public non-sealed interface Networks extends Capability, TracksOperations {

    OperationHandle createNetwork(NetworkSpec spec, IdempotencyToken token);

    /** @throws RequestRejected while the network still has subnets or ports */
    OperationHandle deleteNetwork(String networkId, IdempotencyToken token);

    /** @throws ResourceNotFound for an unknown network */
    OperationHandle createSubnet(SubnetSpec spec, IdempotencyToken token);

    OperationHandle deleteSubnet(String subnetId, IdempotencyToken token);

    Optional<ProviderNetwork> getNetwork(String networkId);

    Optional<ProviderSubnet> getSubnet(String subnetId);

    /** Finds a network or subnet created with this token, for restart recovery. */
    Optional<ResourceRef> findByToken(IdempotencyToken token);

    List<ProviderNetwork> listNetworks();

    List<ProviderSubnet> listSubnets(String networkId);

    /**
     * Whether {@link NetworkSpec#ipv6Cidr()} and {@link SubnetSpec#ipv6Cidr()} are realised (an IPv6
     * range on the network, a /64 per subnet). False by default: a connector that does not say so is
     * never asked for IPv6, and the service refuses an IPv6 network there rather than leave it IPv4.
     */
    default boolean realisesIpv6() {
        return false;
    }

    /**
     * Whether the provider chooses a network's IPv6 range itself (AWS assigns a VPC an
     * Amazon-provided /56): a dual-stack spec then has {@code ipv6} true and no range, and the range
     * is read back from {@link ProviderNetwork#ipv6Cidr()} once the create has succeeded. False by
     * default: the tenant gives the range.
     */
    default boolean assignsIpv6Range() {
        return false;
    }
}
