package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One side of a VPN as the provider shows it. {@code localAddress} is this side's public endpoint
 * (what the other side must name as its peer), empty while the provider has not assigned it.
 */
public record ProviderVpnConnection(String id, String region, String networkId, Optional<String> localAddress, String peerAddress,
                                    String peerCidr, Optional<IdempotencyToken> token, Map<String, String> tags) {
    public ProviderVpnConnection {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(localAddress, "localAddress");
        Objects.requireNonNull(peerAddress, "peerAddress");
        Objects.requireNonNull(peerCidr, "peerCidr");
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
    }
}
