package io.skydeck.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

import java.util.UUID;

/**
 * A share of a tenant's network topology version (V31, V61): the version is the sum of the
 * tenant's shares, bumped by triggers whenever one of its networks, subnets, links, security
 * groups, memberships, public IPs, servers or workloads changes (one share by one). Read only, by
 * {@link #of}, before a reachability question that {@link TopologyWatch} cannot vouch for (the
 * first, one after a change, any while the watch is not listening) — as an entity query, because a
 * native query there cost half of a question's CPU in Hibernate's query-plan cache.
 */
@Entity
@Immutable
@Table(name = "network_topology_version")
@jakarta.persistence.IdClass(TopologyVersion.Key.class)
public class TopologyVersion {

    /** The shares' key. */
    public static class Key implements java.io.Serializable {
        UUID tenantId;
        short share;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.tenantId.equals(tenantId) && k.share == share;
        }

        @Override
        public int hashCode() {
            return tenantId.hashCode() * 31 + share;
        }
    }

    @Id
    @Column(name = "tenant_id")
    UUID tenantId;

    @Id
    @Column(name = "share")
    short share;

    @Column(name = "version", nullable = false)
    long version;

    protected TopologyVersion() {
    }

    public long version() {
        return version;
    }

    /** The tenant's version: the sum of its shares, 0 before its first change. */
    static long of(jakarta.persistence.EntityManager em, UUID tenantId) {
        return em.createQuery("select coalesce(sum(v.version), 0) from TopologyVersion v where v.tenantId = :tenant", Long.class)
                .setParameter("tenant", tenantId).getSingleResult();
    }
}
