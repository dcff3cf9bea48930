package io.skydeck.compute;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A tenant's virtual machine, where placement put it, and how far it has got. */
@Entity
@EntityListeners(ServerRowListener.class)
public class Server {

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "project_id")
    private UUID projectId;
    private String name;
    private String flavor;
    private String image;
    @Column(name = "flavor_name")
    private String flavorName;
    @Column(name = "image_name")
    private String imageName;
    private String provider;
    private String region;
    private String zone;
    private String host;
    @Column(name = "provider_server_id")
    private String providerServerId;
    @Enumerated(EnumType.STRING)
    private ServerStatus status;
    private int vcpu;
    @Column(name = "memory_mib")
    private long memoryMib;
    private int gpu;
    /** While a resize is in flight: the new flavor's resources, held on the host in the capacity ledger. */
    @Column(name = "held_vcpu")
    private Integer heldVcpu;
    @Column(name = "held_memory_mib")
    private Long heldMemoryMib;
    @Column(name = "held_gpu")
    private Integer heldGpu;
    @Column(name = "hourly_price")
    private BigDecimal hourlyPrice;
    @Column(name = "affinity_group")
    private String affinityGroup;
    @Column(name = "anti_affinity_group")
    private String antiAffinityGroup;
    /** The tenant network the server is in, its zone's subnet and its address there; null for a server in none. */
    @Column(name = "network_id")
    private UUID networkId;
    @Column(name = "subnet_id")
    private UUID subnetId;
    @Column(name = "private_address")
    private String privateAddress;
    @Column(name = "quota_reservation_id")
    private UUID quotaReservationId;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "deleted_at")
    private Instant deletedAt;
    @Version
    private long version;

    protected Server() {
    }

    Server(UUID id, UUID tenantId, UUID projectId, String name, String flavor, String image,
           io.skydeck.placement.PlacementTarget target, BigDecimal hourlyPrice, int vcpu, long memoryMib, int gpu,
           String affinityGroup, String antiAffinityGroup, UUID quotaReservationId, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.projectId = projectId;
        this.name = name;
        this.flavor = flavor;
        this.image = image;
        this.provider = target.provider();
        this.region = target.region();
        this.zone = target.zone();
        this.host = target.hostId();
        this.hourlyPrice = hourlyPrice;
        this.vcpu = vcpu;
        this.memoryMib = memoryMib;
        this.gpu = gpu;
        this.affinityGroup = affinityGroup;
        this.antiAffinityGroup = antiAffinityGroup;
        this.quotaReservationId = quotaReservationId;
        this.status = ServerStatus.BUILDING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void built(String providerServerId, Instant now) {
        this.providerServerId = providerServerId;
        moveTo(ServerStatus.ACTIVE, now);
    }

    void moveTo(ServerStatus next, Instant now) {
        this.status = next;
        this.updatedAt = now;
        if (next == ServerStatus.DELETED) {
            this.deletedAt = now;
        }
    }

    /** Holds a resize's new size on the host until the resize ends. */
    void holdForResize(int vcpu, long memoryMib, int gpu) {
        this.heldVcpu = vcpu;
        this.heldMemoryMib = memoryMib;
        this.heldGpu = gpu;
    }

    void releaseHeld() {
        this.heldVcpu = null;
        this.heldMemoryMib = null;
        this.heldGpu = null;
    }

    /** The provider runs the server elsewhere now (a resize it migrated): the record follows. */
    void movedTo(String zone, String host, Instant now) {
        this.zone = zone;
        this.host = host;
        this.updatedAt = now;
    }

    /** The names users know the flavor and image by (null: not known). */
    /** Puts the new server in a network: the subnet of its zone and the address it got there. */
    public void attach(UUID networkId, UUID subnetId, String privateAddress) {
        this.networkId = networkId;
        this.subnetId = subnetId;
        this.privateAddress = privateAddress;
    }

    void named(String flavorName, String imageName) {
        this.flavorName = flavorName;
        this.imageName = imageName;
    }

    void resized(String flavor, int vcpu, long memoryMib, int gpu, BigDecimal hourlyPrice, UUID reservation, Instant now) {
        releaseHeld();
        if (!flavor.equals(this.flavor)) {
            this.flavorName = null;
        }
        this.flavor = flavor;
        this.vcpu = vcpu;
        this.memoryMib = memoryMib;
        this.gpu = gpu;
        this.hourlyPrice = hourlyPrice;
        this.quotaReservationId = reservation;
        this.updatedAt = now;
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public UUID projectId() { return projectId; }
    public String name() { return name; }
    public String flavor() { return flavor; }
    public String image() { return image; }
    public String flavorName() { return flavorName; }
    public String imageName() { return imageName; }
    public String provider() { return provider; }
    public String region() { return region; }
    public String zone() { return zone; }
    public String host() { return host; }
    public String providerServerId() { return providerServerId; }
    public ServerStatus status() { return status; }
    public int vcpu() { return vcpu; }
    public long memoryMib() { return memoryMib; }
    public int gpu() { return gpu; }
    public BigDecimal hourlyPrice() { return hourlyPrice; }
    public String affinityGroup() { return affinityGroup; }
    public String antiAffinityGroup() { return antiAffinityGroup; }
    public UUID networkId() { return networkId; }
    public UUID subnetId() { return subnetId; }
    public String privateAddress() { return privateAddress; }
    public UUID quotaReservationId() { return quotaReservationId; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public Instant deletedAt() { return deletedAt; }
    public long version() { return version; }
}
