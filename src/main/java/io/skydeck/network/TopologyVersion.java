package io.skydeck.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Immutable;

import java.util.UUID;

/**
 * A tenant's network topology version (V31): bumped by triggers whenever one of its networks,
 * subnets, links, security groups, memberships, public IPs, servers or workloads changes. Read
 * only, by primary key, before a reachability question that {@link TopologyWatch} cannot vouch for
 * (the first, one after a change, any while the watch is not listening) — as an entity, because a
 * native query there cost half of a question's CPU in Hibernate's query-plan cache.
 */
@Entity
@Immutable
@Table(name = "network_topology_version")
public class TopologyVersion {

    @Id
    @Column(name = "tenant_id")
    UUID tenantId;

    @Column(name = "version", nullable = false)
    long version;

    protected TopologyVersion() {
    }

    public long version() {
        return version;
    }
}
