package io.skydeck.network;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class NetworkLinkRepository implements PanacheRepositoryBase<NetworkLink, UUID> {

    /** The live links with the network at either end. */
    public List<NetworkLink> activeOn(UUID networkId) {
        return list("(networkA = ?1 or networkB = ?1) and status = ?2 order by createdAt", networkId, NetworkLink.Status.ACTIVE);
    }
}
