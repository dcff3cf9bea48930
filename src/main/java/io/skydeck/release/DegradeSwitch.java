package io.skydeck.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's switch that degrades one dependency while it is on — a release turns its
 * dependencies' switches on for its duration, as Tars does, and a person may turn any of them.
 * Who turned it, why and since when is always the last change, so the state explains itself.
 */
@Entity
@Table(name = "degrade_switch")
public class DegradeSwitch {

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String name;
    private String dependency;
    private String description;
    @Column(name = "is_on")
    private boolean on;
    @Column(name = "changed_by")
    private String changedBy;
    private String reason;
    private Instant since;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Version
    private long version;

    protected DegradeSwitch() {
    }

    DegradeSwitch(UUID id, UUID tenantId, String name, String dependency, String description, String createdBy, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.name = name;
        this.dependency = dependency;
        this.description = description;
        this.on = false;
        this.changedBy = createdBy;
        this.reason = "created";
        this.since = now;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void turn(boolean on, String by, String reason, Instant now) {
        this.on = on;
        this.changedBy = by;
        this.reason = reason;
        this.since = now;
        this.updatedAt = now;
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public String name() { return name; }
    public String dependency() { return dependency; }
    public String description() { return description; }
    public boolean isOn() { return on; }
    public String changedBy() { return changedBy; }
    public String reason() { return reason; }
    public Instant since() { return since; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public long version() { return version; }
}
