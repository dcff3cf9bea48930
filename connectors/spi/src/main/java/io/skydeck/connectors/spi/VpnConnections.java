package io.skydeck.connectors.spi;

import java.util.Optional;

/**
 * One side of a site-to-site IPsec VPN between a network of this provider and a network
 * elsewhere (another provider). Each side needs the other's public endpoint address, the other's
 * range, and one pre-shared key that Skydeck makes and both sides are given. Some providers know
 * their address before any connection exists (Neutron VPNaaS: the router's external address),
 * others only once the connection is made (AWS: the tunnel's outside address), so a link is set
 * up starting from the side that knows it ({@link #endpointAddress}).
 */
public non-sealed interface VpnConnections extends Capability, TracksOperations {

    /**
     * Whether {@link #endpointAddress} answers before any connection exists. A link is set up
     * starting from the side where it does not: that side is given the other's address first.
     */
    boolean endpointKnownFirst();

    /**
     * The public address this side's VPN endpoint for the network will have, when the provider
     * fixes it before any connection; empty when it is only known from the made connection.
     *
     * @throws ResourceNotFound for an unknown network
     */
    Optional<String> endpointAddress(String region, String networkId);

    /**
     * Makes whatever this side needs (gateway, customer gateway, IKE/IPsec policies, the
     * connection and its static route to the peer's range).
     */
    OperationHandle createVpnConnection(VpnSpec spec, IdempotencyToken token);

    /** Removes the connection and what {@link #createVpnConnection} made for it. */
    OperationHandle deleteVpnConnection(String connectionId, IdempotencyToken token);

    Optional<ProviderVpnConnection> getVpnConnection(String connectionId);

    Optional<ProviderVpnConnection> findVpnConnectionByToken(IdempotencyToken token);
}
