package io.skydeck.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * What a release rolls over: some of the tenant's servers on one provider and region (in release
 * order, the first being the bastion), or one Kubernetes workload; and the traffic target that
 * carries the group's traffic there, if it has one.
 */
@Entity
@Table(name = "release_group")
public class ReleaseGroup {

    public enum Kind { SERVERS, WORKLOAD }

    @Id
    private UUID id;
    @Column(name = "application_id")
    private UUID applicationId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String name;
    @Enumerated(EnumType.STRING)
    private Kind kind;
    private String provider;
    private String region;
    @Column(name = "workload_id")
    private UUID workloadId;
    @Column(name = "traffic_target")
    private String trafficTarget;
    @Column(name = "current_version_id")
    private UUID currentVersionId;
    @Column(name = "created_at")
    private Instant createdAt;

    protected ReleaseGroup() {
    }

    ReleaseGroup(UUID id, UUID applicationId, UUID tenantId, String name, Kind kind, String provider, String region, UUID workloadId,
                 String trafficTarget, Instant now) {
        this.id = id;
        this.applicationId = applicationId;
        this.tenantId = tenantId;
        this.name = name;
        this.kind = kind;
        this.provider = provider;
        this.region = region;
        this.workloadId = workloadId;
        this.trafficTarget = trafficTarget;
        this.createdAt = now;
    }

    /** A release succeeded: the group now runs this version, and the next rollback restores it. */
    void runs(UUID versionId) {
        this.currentVersionId = versionId;
    }

    public UUID id() { return id; }
    public UUID applicationId() { return applicationId; }
    public UUID tenantId() { return tenantId; }
    public String name() { return name; }
    public Kind kind() { return kind; }
    public String provider() { return provider; }
    public String region() { return region; }
    public UUID workloadId() { return workloadId; }
    public String trafficTarget() { return trafficTarget; }
    public UUID currentVersionId() { return currentVersionId; }
    public Instant createdAt() { return createdAt; }
}
