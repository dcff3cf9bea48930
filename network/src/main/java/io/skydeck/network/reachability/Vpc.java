package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;

import java.util.List;
import java.util.Objects;

/** A tenant network: its ranges (an IPv4 one, optionally an IPv6 one) and the subnets carved from them. */
public record Vpc(String id, List<Cidr> cidrs, List<Subnet> subnets) {
    public Vpc {
        Objects.requireNonNull(id, "id");
        cidrs = List.copyOf(cidrs);
        subnets = List.copyOf(subnets);
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("VPC " + id + " has no range");
        }
        for (int i = 0; i < subnets.size(); i++) {
            Subnet subnet = subnets.get(i);
            for (Subnet earlier : subnets.subList(0, i)) {
                if (earlier.cidr().overlaps(subnet.cidr())) {
                    throw new IllegalArgumentException("subnets " + earlier.id() + " (" + earlier.cidr() + ") and " + subnet.id()
                            + " (" + subnet.cidr() + ") of VPC " + id + " overlap");
                }
            }
            if (cidrs.stream().noneMatch(range -> range.contains(subnet.cidr()))) {
                throw new IllegalArgumentException("subnet " + subnet.id() + " (" + subnet.cidr() + ") is outside VPC " + id + " " + cidrs);
            }
        }
    }
}
