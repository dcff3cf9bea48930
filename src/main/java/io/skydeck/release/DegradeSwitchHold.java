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
 * A release's hold on a {@link DegradeSwitch}: the release turned it on (or found it on) and
 * will give it back. The state to give back, {@code baseOn}, is the switch's state before any
 * release held it — several releases may hold one switch, and only the last to end restores it.
 * Kept in PostgreSQL, so a restarted service (or another replica) restores what a release took.
 */
@Entity
@Table(name = "degrade_switch_hold")
public class DegradeSwitchHold {

    public enum Ending {
        /** The release gave the switch back. */
        RESTORED,
        /** A person turned the switch by hand while the release held it: their word stands, the release leaves it. */
        OVERRIDDEN
    }

    @Id
    private UUID id;
    @Column(name = "switch_id")
    private UUID switchId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "release_id")
    private UUID releaseId;
    @Column(name = "base_on")
    private boolean baseOn;
    private String reason;
    @Column(name = "taken_at")
    private Instant takenAt;
    @Column(name = "ended_at")
    private Instant endedAt;
    @Enumerated(EnumType.STRING)
    @Column(name = "ended_how")
    private Ending endedHow;

    protected DegradeSwitchHold() {
    }

    DegradeSwitchHold(UUID id, DegradeSwitch degradeSwitch, UUID releaseId, boolean baseOn, String reason, Instant now) {
        this.id = id;
        this.switchId = degradeSwitch.id();
        this.tenantId = degradeSwitch.tenantId();
        this.releaseId = releaseId;
        this.baseOn = baseOn;
        this.reason = reason;
        this.takenAt = now;
    }

    void end(Ending how, Instant now) {
        this.endedHow = how;
        this.endedAt = now;
    }

    public boolean active() { return endedAt == null; }
    public UUID id() { return id; }
    public UUID switchId() { return switchId; }
    public UUID tenantId() { return tenantId; }
    public UUID releaseId() { return releaseId; }
    public boolean baseOn() { return baseOn; }
    public String reason() { return reason; }
    public Instant takenAt() { return takenAt; }
    public Instant endedAt() { return endedAt; }
    public Ending endedHow() { return endedHow; }
}
