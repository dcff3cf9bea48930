package io.skydeck.compute;

import io.skydeck.connectors.spi.WorkloadKind;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/** A tenant's containers: an image, replicas and what each replica asks for, in one provider's pool. */
@Entity
public class Workload {

    public enum Status {
        CREATING, RUNNING, SCALING, DELETING, DELETED, FAILED
    }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "project_id")
    private UUID projectId;
    private String name;
    @Enumerated(EnumType.STRING)
    private WorkloadKind kind;
    private String image;
    private int replicas;
    /** While a scale that grows is in flight: the replica count held in the pool ledger. */
    @Column(name = "held_replicas")
    private Integer heldReplicas;
    @Column(name = "cpu_millis")
    private long cpuMillis;
    @Column(name = "memory_mib")
    private long memoryMib;
    private String provider;
    private String region;
    @Column(name = "provider_workload_id")
    private String providerWorkloadId;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "quota_reservation_id")
    private UUID quotaReservationId;
    /** The tenant network it runs in (on Kubernetes, that network's namespace); null for none. */
    @Column(name = "network_id")
    private UUID networkId;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "deleted_at")
    private Instant deletedAt;
    @Version
    private long version;

    protected Workload() {
    }

    Workload(UUID id, UUID tenantId, UUID projectId, String name, WorkloadKind kind, String image, int replicas,
             long cpuMillis, long memoryMib, String provider, String region, UUID quotaReservationId, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.projectId = projectId;
        this.name = name;
        this.kind = kind;
        this.image = image;
        this.replicas = replicas;
        this.cpuMillis = cpuMillis;
        this.memoryMib = memoryMib;
        this.provider = provider;
        this.region = region;
        this.quotaReservationId = quotaReservationId;
        this.status = Status.CREATING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void inNetwork(UUID networkId) {
        this.networkId = networkId;
    }

    void running(String providerWorkloadId, Instant now) {
        this.providerWorkloadId = providerWorkloadId;
        moveTo(Status.RUNNING, now);
    }

    void moveTo(Status next, Instant now) {
        this.status = next;
        this.updatedAt = now;
        if (next == Status.DELETED) {
            this.deletedAt = now;
        }
    }

    /** Holds {@code replicas} in the pool until the scale ends. */
    void holdReplicas(int replicas) {
        this.heldReplicas = replicas;
    }

    void releaseHeld() {
        this.heldReplicas = null;
    }

    void scaled(int replicas, UUID reservation, Instant now) {
        this.replicas = replicas;
        this.heldReplicas = null;
        this.quotaReservationId = reservation;
        moveTo(Status.RUNNING, now);
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public UUID projectId() { return projectId; }
    public String name() { return name; }
    public WorkloadKind kind() { return kind; }
    public String image() { return image; }
    public int replicas() { return replicas; }
    public long cpuMillis() { return cpuMillis; }
    public long memoryMib() { return memoryMib; }
    public String provider() { return provider; }
    public String region() { return region; }
    public String providerWorkloadId() { return providerWorkloadId; }
    public Status status() { return status; }
    public UUID quotaReservationId() { return quotaReservationId; }
    public UUID networkId() { return networkId; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public Instant deletedAt() { return deletedAt; }
    public long version() { return version; }
}
