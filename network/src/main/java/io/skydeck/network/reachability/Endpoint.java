package io.skydeck.network.reachability;

import io.skydeck.network.address.IpAddress;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A server or workload in a subnet: one private address (of the subnet's family), the security
 * groups attached to it, in attachment order, and optionally a public address.
 */
public record Endpoint(String id, Kind kind, String vpcId, String subnetId, IpAddress privateAddress,
                       List<String> groupIds, Optional<IpAddress> publicAddress) implements Peer {

    public enum Kind { SERVER, WORKLOAD }

    public Endpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vpcId, "vpcId");
        Objects.requireNonNull(subnetId, "subnetId");
        Objects.requireNonNull(privateAddress, "privateAddress");
        groupIds = List.copyOf(groupIds);
        Objects.requireNonNull(publicAddress, "publicAddress");
        if (groupIds.stream().distinct().count() != groupIds.size()) {
            throw new IllegalArgumentException("endpoint " + id + " has a group attached twice: " + groupIds);
        }
    }
}
