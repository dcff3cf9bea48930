package io.skydeck.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's VPC: an IPv4 range in one provider's region, split into one subnet per zone. The
 * provider's object (Neutron network and router, AWS VPC, the sandbox's network) is made by a
 * CREATE_NETWORK operation; the subnets by one CREATE_SUBNET operation each, started when the
 * network is there.
 */
@Entity
public class Network {

    public enum Status {
        CREATING, AVAILABLE, DELETING, DELETED, FAILED;

        public boolean live() {
            return this != DELETED && this != FAILED;
        }
    }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "project_id")
    private UUID projectId;
    private String name;
    private String cidr;
    @Column(name = "ipv6_cidr")
    private String ipv6Cidr;
    private String provider;
    private String region;
    @Column(name = "provider_network_id")
    private String providerNetworkId;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "quota_reservation_id")
    private UUID quotaReservationId;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "deleted_at")
    private Instant deletedAt;
    /** The tenant's default network of its provider and region, made by Skydeck ({@link DefaultNetworks}). */
    @Column(name = "is_default")
    private boolean isDefault;
    @Version
    private long version;

    protected Network() {
    }

    Network(UUID id, UUID tenantId, UUID projectId, String name, String cidr, String ipv6Cidr, String provider, String region,
            UUID quotaReservationId, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.projectId = projectId;
        this.name = name;
        this.cidr = cidr;
        this.ipv6Cidr = ipv6Cidr;
        this.provider = provider;
        this.region = region;
        this.quotaReservationId = quotaReservationId;
        this.status = Status.CREATING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** A tenant's default network in a provider's region: made by Skydeck, counted against no quota. */
    static Network defaultOf(UUID id, UUID tenantId, UUID projectId, String name, String cidr, String provider, String region,
                             Instant now) {
        Network network = new Network(id, tenantId, projectId, name, cidr, null, provider, region, null, now);
        network.isDefault = true;
        return network;
    }

    void available(String providerNetworkId, Instant now) {
        this.providerNetworkId = providerNetworkId;
        moveTo(Status.AVAILABLE, now);
    }

    /** The IPv6 range the provider chose for it (AWS's Amazon-provided /56), recorded when its create succeeded. */
    void ipv6Assigned(String range) {
        this.ipv6Cidr = range;
    }

    void moveTo(Status next, Instant now) {
        this.status = next;
        this.updatedAt = now;
        if (next == Status.DELETED) {
            this.deletedAt = now;
        }
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public UUID projectId() { return projectId; }
    public String name() { return name; }
    public String cidr() { return cidr; }
    public String ipv6Cidr() { return ipv6Cidr; }
    public String provider() { return provider; }
    public String region() { return region; }
    public String providerNetworkId() { return providerNetworkId; }
    public Status status() { return status; }
    public UUID quotaReservationId() { return quotaReservationId; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public Instant deletedAt() { return deletedAt; }
    public boolean isDefault() { return isDefault; }
    public long version() { return version; }
}
