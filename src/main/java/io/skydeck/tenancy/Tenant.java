package io.skydeck.tenancy;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EntityListeners;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/** A customer of the platform (at Ctrip, a subsidiary): owns projects, quota and everything it creates. */
@Entity
@EntityListeners(TenantRowListener.class)
public class Tenant {

    public enum Status { ACTIVE, SUSPENDED }

    @Id
    private UUID id;
    private String name;
    @Column(name = "display_name")
    private String displayName;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "allowed_providers")
    private String allowedProviders = "";
    @Version
    private long version;

    protected Tenant() {
    }

    Tenant(UUID id, String name, String displayName, Instant now) {
        this.id = id;
        this.name = name;
        this.displayName = displayName;
        this.status = Status.ACTIVE;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void rename(String displayName, Instant now) {
        this.displayName = displayName;
        this.updatedAt = now;
    }

    void allowProviders(java.util.Set<String> providers, Instant now) {
        this.allowedProviders = String.join(" ", new java.util.TreeSet<>(providers));
        this.updatedAt = now;
    }

    /** Providers this tenant may use; empty allows every configured provider. */
    public java.util.Set<String> allowedProviders() {
        return allowedProviders == null || allowedProviders.isBlank() ? java.util.Set.of()
                : java.util.Set.of(allowedProviders.trim().split(" +"));
    }

    void changeStatus(Status status, Instant now) {
        this.status = status;
        this.updatedAt = now;
    }

    public UUID id() { return id; }
    public String name() { return name; }
    public String displayName() { return displayName; }
    public Status status() { return status; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public long version() { return version; }
}
