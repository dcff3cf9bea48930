package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;

import java.util.Objects;

/** A subnet of a VPC, in one zone; IPv4 or IPv6. */
public record Subnet(String id, String zone, Cidr cidr) {
    public Subnet {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(cidr, "cidr");
    }
}
