package io.skydeck.network;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class NetworkLinkRepository implements PanacheRepositoryBase<NetworkLink, UUID> {

    /** The live links (from their create until they are gone) with the network at either end. */
    public List<NetworkLink> activeOn(UUID networkId) {
        return list("(networkA = ?1 or networkB = ?1) and status not in ?2 order by createdAt", networkId, GONE);
    }

    /** The links whose provider side is there: what routes and reachability follow. */
    public List<NetworkLink> availableOn(UUID networkId) {
        return list("(networkA = ?1 or networkB = ?1) and status = ?2 order by createdAt", networkId, NetworkLink.Status.AVAILABLE);
    }

    static final List<NetworkLink.Status> GONE = List.of(NetworkLink.Status.DELETED, NetworkLink.Status.FAILED);
}
