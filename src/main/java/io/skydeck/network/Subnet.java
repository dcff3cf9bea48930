package io.skydeck.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/** One zone's part of a network: addresses handed out in that zone come from here and never leave it. */
@Entity
public class Subnet {

    public enum Status {
        /** Waiting for its network to exist in the provider. */
        PENDING, CREATING, AVAILABLE, DELETING, DELETED, FAILED
    }

    @Id
    private UUID id;
    @Column(name = "network_id")
    private UUID networkId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String zone;
    private String cidr;
    @Column(name = "ipv6_cidr")
    private String ipv6Cidr;
    @Column(name = "provider_subnet_id")
    private String providerSubnetId;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Version
    private long version;

    protected Subnet() {
    }

    Subnet(UUID id, UUID networkId, UUID tenantId, String zone, String cidr, String ipv6Cidr, Instant now) {
        this.ipv6Cidr = ipv6Cidr;
        this.id = id;
        this.networkId = networkId;
        this.tenantId = tenantId;
        this.zone = zone;
        this.cidr = cidr;
        this.status = Status.PENDING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void available(String providerSubnetId, Instant now) {
        this.providerSubnetId = providerSubnetId;
        moveTo(Status.AVAILABLE, now);
    }

    void moveTo(Status next, Instant now) {
        this.status = next;
        this.updatedAt = now;
    }

    /** Whether the provider may hold it: it was asked for and not yet confirmed gone. */
    boolean mayExistInProvider() {
        return status == Status.CREATING || status == Status.AVAILABLE || status == Status.DELETING;
    }

    /** Its /64, carved once the network's provider-assigned IPv6 range is known (before its CREATE_SUBNET runs). */
    void ipv6Carved(String block) {
        this.ipv6Cidr = block;
    }

    public UUID id() { return id; }
    public UUID networkId() { return networkId; }
    public UUID tenantId() { return tenantId; }
    public String zone() { return zone; }
    public String cidr() { return cidr; }
    /** The /64 of the network's IPv6 range, in a dual-stack network; else null. */
    public String ipv6Cidr() { return ipv6Cidr; }
    public String providerSubnetId() { return providerSubnetId; }
    public Status status() { return status; }
    public Instant createdAt() { return createdAt; }
    public long version() { return version; }
}
