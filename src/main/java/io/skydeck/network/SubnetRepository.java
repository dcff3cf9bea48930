package io.skydeck.network;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class SubnetRepository implements PanacheRepositoryBase<Subnet, UUID> {

    /** A network's subnets in zone order. */
    public List<Subnet> of(UUID networkId) {
        return list("networkId = ?1 order by zone", networkId);
    }
}
