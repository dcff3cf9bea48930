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
 * A tenant's security group in one network: the rules Skydeck holds for it, which are the truth,
 * and the provider's group they are applied to. A change of rules is stored first and applied by
 * an operation; what the provider holds otherwise is drift.
 */
@Entity
@Table(name = "security_group")
public class TenantSecurityGroup {

    public enum Status {
        /** Being made, or its rules being applied. */
        APPLYING,
        AVAILABLE,
        /** An apply gave up: the provider's group may not hold the recorded rules; apply them again. */
        DIVERGED,
        DELETING, DELETED, FAILED;

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
    @Column(name = "network_id")
    private UUID networkId;
    private String name;
    private String description;
    private String provider;
    private String region;
    @Column(name = "provider_group_id")
    private String providerGroupId;
    /** The rules as JSON, in the tenant's order. */
    private String rules;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "deleted_at")
    private Instant deletedAt;
    @Version
    private long version;

    protected TenantSecurityGroup() {
    }

    TenantSecurityGroup(UUID id, UUID tenantId, UUID projectId, UUID networkId, String name, String description, String provider,
                        String region, String rules, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.projectId = projectId;
        this.networkId = networkId;
        this.name = name;
        this.description = description;
        this.provider = provider;
        this.region = region;
        this.rules = rules;
        this.status = Status.APPLYING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void created(String providerGroupId, Instant now) {
        this.providerGroupId = providerGroupId;
        this.updatedAt = now;
    }

    void replaceRules(String rules, Instant now) {
        this.rules = rules;
        moveTo(Status.APPLYING, now);
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
    public UUID networkId() { return networkId; }
    public String name() { return name; }
    public String description() { return description; }
    public String provider() { return provider; }
    public String region() { return region; }
    public String providerGroupId() { return providerGroupId; }
    public String rules() { return rules; }
    public Status status() { return status; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public long version() { return version; }
}
