package io.skydeck.network;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

@ApplicationScoped
public class SubnetRepository implements PanacheRepositoryBase<Subnet, UUID> {

    /** A network's subnets in zone order. */
    public List<Subnet> of(UUID networkId) {
        return list("networkId = ?1 order by zone", networkId);
    }

    /** The subnets of several networks in one query, by network, each in zone order; a network without subnets maps to none. */
    public Map<UUID, List<Subnet>> of(Collection<UUID> networkIds) {
        Map<UUID, List<Subnet>> byNetwork = new HashMap<>();
        networkIds.forEach(id -> byNetwork.put(id, new ArrayList<>()));
        if (!networkIds.isEmpty()) {
            list("networkId in ?1 order by zone", networkIds).forEach(s -> byNetwork.get(s.networkId()).add(s));
        }
        return byNetwork;
    }
}
