package io.skydeck.network;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class TenantSecurityGroupRepository implements PanacheRepositoryBase<TenantSecurityGroup, UUID> {

    /** The live groups of a network. */
    public List<TenantSecurityGroup> liveIn(UUID networkId) {
        return list("networkId = ?1 and status not in ?2 order by createdAt", networkId,
                List.of(TenantSecurityGroup.Status.DELETED, TenantSecurityGroup.Status.FAILED));
    }
}
