package io.skydeck.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;

import java.time.Instant;
import java.util.UUID;

/** What a tenant releases: a name its groups and versions hang from. */
@Entity
public class Application {

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String name;
    @Column(name = "created_at")
    private Instant createdAt;

    protected Application() {
    }

    Application(UUID id, UUID tenantId, String name, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.name = name;
        this.createdAt = now;
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public String name() { return name; }
    public Instant createdAt() { return createdAt; }
}
