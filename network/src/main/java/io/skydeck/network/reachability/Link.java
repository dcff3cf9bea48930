package io.skydeck.network.reachability;

import java.util.Objects;

/** Two VPCs joined: peering inside one provider, or a VPN between providers (or to on-premises). */
public record Link(String id, Kind kind, String vpcA, String vpcB) {

    public enum Kind { PEERING, VPN }

    public Link {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vpcA, "vpcA");
        Objects.requireNonNull(vpcB, "vpcB");
        if (vpcA.equals(vpcB)) {
            throw new IllegalArgumentException("link " + id + " joins VPC " + vpcA + " to itself");
        }
    }
}
