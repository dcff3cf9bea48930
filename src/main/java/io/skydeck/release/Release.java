package io.skydeck.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/**
 * One release of a version onto a group. The state machine is the library's {@code Rollout} (or,
 * for the two-group strategies, its {@code Switchover} with the standby group beside); this
 * row holds its snapshot and, beside it, what lists and filters need (state, reason). Inserted as
 * an entity; every later change goes through {@link ReleaseProgress}, which writes it only when
 * {@code version} is the one read (and, for a driver, while its lease holds).
 */
@Entity
@Table(name = "app_release")
public class Release {

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "application_id")
    private UUID applicationId;
    @Column(name = "group_id")
    private UUID groupId;
    @Column(name = "version_id")
    private UUID versionId;
    @Column(name = "previous_version_id")
    private UUID previousVersionId;
    private String strategy;
    @Column(name = "batch_size")
    private int batchSize;
    private int parallelism;
    @Column(name = "brake_ratio")
    private BigDecimal brakeRatio;
    @Column(name = "online_minimum")
    private BigDecimal onlineMinimum;
    private boolean bastion;
    private String state;
    private String reason;
    @Column(name = "traffic_note")
    private String trafficNote;
    @ColumnTransformer(write = "CAST(? AS jsonb)")
    private String snapshot;
    @Column(name = "running_steps")
    private int runningSteps;
    private long version;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;
    @Column(name = "standby_group_id")
    private UUID standbyGroupId;
    @Column(name = "route_header")
    private String routeHeader;
    @Column(name = "route_value")
    private String routeValue;
    @Column(name = "ignition_timeout_seconds")
    private Integer ignitionTimeoutSeconds;

    protected Release() {
    }

    Release(UUID id, UUID tenantId, UUID applicationId, UUID groupId, UUID versionId, UUID previousVersionId, Strategy strategy,
            int batchSize, int parallelism, BigDecimal brakeRatio, BigDecimal onlineMinimum, boolean bastion, String state, String trafficNote,
            String snapshot, int runningSteps, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.applicationId = applicationId;
        this.groupId = groupId;
        this.versionId = versionId;
        this.previousVersionId = previousVersionId;
        this.strategy = strategy.name();
        this.batchSize = batchSize;
        this.parallelism = parallelism;
        this.brakeRatio = brakeRatio;
        this.onlineMinimum = onlineMinimum;
        this.bastion = bastion;
        this.state = state;
        this.trafficNote = trafficNote;
        this.snapshot = snapshot;
        this.runningSteps = runningSteps;
        this.version = 1;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** How long this release's ignition checks wait for an instance to be healthy (whole seconds, 1 s to 1 h). */
    void waitForIgnition(java.time.Duration timeout) {
        this.ignitionTimeoutSeconds = (int) timeout.toSeconds();
    }

    /** The release's own ignition timeout; empty: the service's. */
    public java.util.Optional<java.time.Duration> ignitionTimeout() {
        return java.util.Optional.ofNullable(ignitionTimeoutSeconds).map(java.time.Duration::ofSeconds);
    }

    /** BLUE_GREEN, DARK, AB_TEST: the group that gets the version, and for AB_TEST the header that reaches it. */
    void twoGroups(UUID standbyGroupId, String routeHeader, String routeValue) {
        this.standbyGroupId = standbyGroupId;
        this.routeHeader = routeHeader;
        this.routeValue = routeValue;
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public UUID applicationId() { return applicationId; }
    public UUID groupId() { return groupId; }
    public UUID versionId() { return versionId; }
    public UUID previousVersionId() { return previousVersionId; }
    public String strategy() { return strategy; }
    public int batchSize() { return batchSize; }
    public int parallelism() { return parallelism; }
    public BigDecimal brakeRatio() { return brakeRatio; }
    public BigDecimal onlineMinimum() { return onlineMinimum; }
    public boolean bastion() { return bastion; }
    public String state() { return state; }
    public String reason() { return reason; }
    public String trafficNote() { return trafficNote; }
    public String snapshot() { return snapshot; }
    public int runningSteps() { return runningSteps; }
    public long version() { return version; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public Instant finishedAt() { return finishedAt; }
    public UUID standbyGroupId() { return standbyGroupId; }
    public String routeHeader() { return routeHeader; }
    public String routeValue() { return routeValue; }
}
