package io.skydeck.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/**
 * A public address a tenant holds in one provider's region — a Neutron floating IP, an EC2 Elastic
 * IP — and the server it points at, if any. The address is the provider's choice, known once the
 * allocation has finished.
 */
@Entity
@Table(name = "public_ip")
public class PublicIp {

    public enum Status {
        ALLOCATING, ALLOCATED, RELEASING, RELEASED, FAILED
    }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "project_id")
    private UUID projectId;
    private String provider;
    private String region;
    @Column(name = "provider_public_ip_id")
    private String providerPublicIpId;
    private String address;
    @Column(name = "server_id")
    private UUID serverId;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "quota_reservation_id")
    private UUID quotaReservationId;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "released_at")
    private Instant releasedAt;
    @Version
    private long version;

    protected PublicIp() {
    }

    PublicIp(UUID id, UUID tenantId, UUID projectId, String provider, String region, UUID quotaReservationId, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.projectId = projectId;
        this.provider = provider;
        this.region = region;
        this.quotaReservationId = quotaReservationId;
        this.status = Status.ALLOCATING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void allocated(String providerPublicIpId, String address, Instant now) {
        this.providerPublicIpId = providerPublicIpId;
        this.address = address;
        moveTo(Status.ALLOCATED, now);
    }

    void pointAt(UUID serverId, Instant now) {
        this.serverId = serverId;
        this.updatedAt = now;
    }

    void moveTo(Status next, Instant now) {
        this.status = next;
        this.updatedAt = now;
        if (next == Status.RELEASED) {
            this.releasedAt = now;
        }
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public UUID projectId() { return projectId; }
    public String provider() { return provider; }
    public String region() { return region; }
    public String providerPublicIpId() { return providerPublicIpId; }
    public String address() { return address; }
    public UUID serverId() { return serverId; }
    public Status status() { return status; }
    public UUID quotaReservationId() { return quotaReservationId; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public long version() { return version; }
}
