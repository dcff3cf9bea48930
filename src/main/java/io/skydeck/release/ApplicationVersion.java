package io.skydeck.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * A version of an application: a package (URL and SHA-256; the instance's install hook fetches it
 * and refuses it when the sum differs) and/or an image reference (a VM image to rebuild from, a
 * container image).
 */
@Entity
@Table(name = "application_version")
public class ApplicationVersion {

    @Id
    private UUID id;
    @Column(name = "application_id")
    private UUID applicationId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String name;
    @Column(name = "package_url")
    private String packageUrl;
    private String sha256;
    private String image;
    @Column(name = "created_at")
    private Instant createdAt;

    protected ApplicationVersion() {
    }

    ApplicationVersion(UUID id, UUID applicationId, UUID tenantId, String name, String packageUrl, String sha256, String image,
                       Instant now) {
        this.id = id;
        this.applicationId = applicationId;
        this.tenantId = tenantId;
        this.name = name;
        this.packageUrl = packageUrl;
        this.sha256 = sha256;
        this.image = image;
        this.createdAt = now;
    }

    /** What the provider installs: the image when there is one, else the package (its hook installs it). */
    public String artifact() {
        return image != null ? image : packageUrl;
    }

    public UUID id() { return id; }
    public UUID applicationId() { return applicationId; }
    public UUID tenantId() { return tenantId; }
    public String name() { return name; }
    public String packageUrl() { return packageUrl; }
    public String sha256() { return sha256; }
    public String image() { return image; }
    public Instant createdAt() { return createdAt; }
}
