package io.skydeck.connectors.spi;

import java.util.Map;
import java.util.Objects;

/**
 * What one side of a VPN needs: its own network and range, and the other side's public address
 * and range, and the pre-shared key. The key is a secret: {@link #toString()} leaves it out, so
 * a logged spec or a failed assertion never shows it.
 */
public record VpnSpec(String region, String networkId, String localCidr, String peerAddress, String peerCidr,
                      String preSharedKey, Map<String, String> tags) {
    public VpnSpec {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(networkId, "networkId");
        Objects.requireNonNull(localCidr, "localCidr");
        Objects.requireNonNull(peerAddress, "peerAddress");
        Objects.requireNonNull(peerCidr, "peerCidr");
        Objects.requireNonNull(preSharedKey, "preSharedKey");
        tags = Map.copyOf(tags);
    }

    @Override
    public String toString() {
        return "VpnSpec[region=" + region + ", networkId=" + networkId + ", localCidr=" + localCidr + ", peerAddress=" + peerAddress
                + ", peerCidr=" + peerCidr + ", preSharedKey=***, tags=" + tags + "]";
    }
}
