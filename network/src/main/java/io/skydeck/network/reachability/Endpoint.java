package io.skydeck.network.reachability;

import io.skydeck.network.address.Cidr;
import io.skydeck.network.address.Family;
import io.skydeck.network.address.IpAddress;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A server or workload in a VPC: the security groups attached to it, in attachment order, its
 * private addresses and optionally a public address.
 *
 * <p>A server sits in one subnet with one private address (of the subnet's family), a range of one
 * address here. A workload's replicas take their addresses where Skydeck does not see them — a
 * Kubernetes pod from the cluster's CNI, whatever CIDR the namespace's network was given — so a
 * workload is a member of its VPC as a whole ({@link #inNetwork}): no subnet, and its private range is
 * every address of its family. A rule naming a range therefore matches a workload only when it
 * allows the whole family (0.0.0.0/0), and otherwise its groups decide, as NetworkPolicy pod
 * selectors do. Its traffic to addresses outside its VPC leaves through its nodes' addresses
 * ({@code outboundNat}): it needs no public IP to reach out, and is seen there as any address, but
 * nothing outside reaches it.
 */
public record Endpoint(String id, Kind kind, String vpcId, Optional<String> subnetId, Cidr privateRange,
                       List<String> groupIds, Optional<IpAddress> publicAddress, boolean outboundNat) implements Peer {

    public enum Kind { SERVER, WORKLOAD }

    public Endpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vpcId, "vpcId");
        Objects.requireNonNull(subnetId, "subnetId");
        Objects.requireNonNull(privateRange, "privateRange");
        groupIds = List.copyOf(groupIds);
        Objects.requireNonNull(publicAddress, "publicAddress");
        if (groupIds.stream().distinct().count() != groupIds.size()) {
            throw new IllegalArgumentException("endpoint " + id + " has a group attached twice: " + groupIds);
        }
        if (subnetId.isPresent() && privateRange.prefix() != privateRange.family().bits()) {
            throw new IllegalArgumentException("endpoint " + id + " in subnet " + subnetId.get() + " has one address, not " + privateRange);
        }
    }

    /** In a subnet at one private address. */
    public Endpoint(String id, Kind kind, String vpcId, String subnetId, IpAddress privateAddress, List<String> groupIds,
                    Optional<IpAddress> publicAddress) {
        this(id, kind, vpcId, Optional.of(subnetId), Cidr.containing(privateAddress, privateAddress.family().bits()), groupIds,
                publicAddress, false);
    }

    /** A member of the VPC as a whole, at addresses not known (any of {@code family}), reaching out through its nodes. */
    public static Endpoint inNetwork(String id, Kind kind, String vpcId, Family family, List<String> groupIds) {
        IpAddress any = IpAddress.parse(family == Family.IPV4 ? "0.0.0.0" : "::");
        return new Endpoint(id, kind, vpcId, Optional.empty(), new Cidr(any, 0), groupIds, Optional.empty(), true);
    }

    /** Whether its private address is known (it sits in a subnet). */
    public boolean addressKnown() {
        return subnetId.isPresent();
    }

    /** Its one private address; only when {@link #addressKnown()}. */
    public IpAddress privateAddress() {
        if (!addressKnown()) {
            throw new IllegalStateException("endpoint " + id + " has no known private address");
        }
        return privateRange.network();
    }
}
