package io.skydeck.platform.audit;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** One row of the append-only audit log; created once, never changed (the database refuses). */
@Entity
@Table(name = "audit_log")
public class AuditEntry {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long seq;
    private UUID id;
    @Column(name = "occurred_at")
    private Instant occurredAt;
    private String actor;
    @Column(name = "actor_role")
    private String actorRole;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String action;
    @Column(name = "target_type")
    private String targetType;
    @Column(name = "target_id")
    private String targetId;
    @Column(name = "request_id")
    private String requestId;
    private String details;

    protected AuditEntry() {
    }

    AuditEntry(Instant occurredAt, String actor, String actorRole, UUID tenantId, String action,
               String targetType, String targetId, String requestId, String details) {
        this.id = UUID.randomUUID();
        this.occurredAt = occurredAt;
        this.actor = actor;
        this.actorRole = actorRole;
        this.tenantId = tenantId;
        this.action = action;
        this.targetType = targetType;
        this.targetId = targetId;
        this.requestId = requestId;
        this.details = details;
    }

    public Long seq() { return seq; }
    public UUID id() { return id; }
    public Instant occurredAt() { return occurredAt; }
    public String actor() { return actor; }
    public String actorRole() { return actorRole; }
    public UUID tenantId() { return tenantId; }
    public String action() { return action; }
    public String targetType() { return targetType; }
    public String targetId() { return targetId; }
    public String requestId() { return requestId; }
    public String details() { return details; }
}
