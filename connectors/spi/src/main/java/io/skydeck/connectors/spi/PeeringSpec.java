package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;

/** Two networks of one provider to join: the requester's side and the accepter's. */
public record PeeringSpec(NetworkSide local, NetworkSide peer, Map<String, String> tags) {
    public PeeringSpec {
        Objects.requireNonNull(local, "local");
        Objects.requireNonNull(peer, "peer");
        tags = Map.copyOf(tags);
    }

    /** One network as the provider names it, with the IPv4 range the other side routes to. */
    public record NetworkSide(String region, String networkId, String cidr) {
        public NetworkSide {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(networkId, "networkId");
            Objects.requireNonNull(cidr, "cidr");
        }
    }
}
