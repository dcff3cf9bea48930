package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** A peering as the provider shows it: AWS's pcx-… id, the router port Neutron added, the policy pair. */
public record ProviderPeering(String id, String region, String networkId, String peerRegion, String peerNetworkId,
                              Optional<IdempotencyToken> token, Map<String, String> tags) {
    public ProviderPeering {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(peerRegion, "peerRegion");
        Objects.requireNonNull(peerNetworkId, "peerNetworkId");
        Objects.requireNonNull(token, "token");
        tags = Map.copyOf(tags);
    }
}
