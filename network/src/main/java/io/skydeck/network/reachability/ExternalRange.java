package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;

import java.util.Objects;

/**
 * Addresses outside every VPC — the internet (0.0.0.0/0, ::/0) or an on-premises range reached over
 * the internet. An answer about a range holds for every address in it. (An on-premises network
 * joined by a VPN is a {@link Vpc} with a {@link Link}, not this.)
 */
public record ExternalRange(String id, Kind kind, Cidr cidr) implements Peer {

    public enum Kind { INTERNET, ON_PREMISES }

    public ExternalRange {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(cidr, "cidr");
    }
}
