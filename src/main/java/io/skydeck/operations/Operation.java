package io.skydeck.operations;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;

import java.time.Instant;
import java.util.UUID;

/**
 * Work accepted with 202 and finished in the background. PENDING until the provider accepts
 * it (the provider's handle is then stored), RUNNING while the provider works, then SUCCEEDED
 * or FAILED for good — or CANCELLED, when its tenant or an admin stopped it or a delete of its
 * resource superseded it. Everything needed to resume after a restart is in this row.
 */
@Entity
public class Operation {

    public enum State {
        PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean isFinal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }
    }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Enumerated(EnumType.STRING)
    private OperationKind kind;
    @Column(name = "target_type")
    private String targetType;
    @Column(name = "target_id")
    private UUID targetId;
    @Enumerated(EnumType.STRING)
    private State state;
    private String provider;
    private String params;
    @Column(name = "provider_handle")
    private String providerHandle;
    private int attempts;
    @Column(name = "next_attempt_at")
    private Instant nextAttemptAt;
    @Column(name = "claimed_until")
    private Instant claimedUntil;
    /** The claim of the replica working on it now; every progress write names it, and ends it. */
    @Column(name = "claim_token")
    private UUID claimToken;
    @Column(name = "error_type")
    private String errorType;
    @Column(name = "error_detail")
    private String errorDetail;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;

    protected Operation() {
    }

    public Operation(UUID id, UUID tenantId, OperationKind kind, String targetType, UUID targetId, String provider,
                     String params, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.kind = kind;
        this.targetType = targetType;
        this.targetId = targetId;
        this.provider = provider;
        this.params = params;
        this.state = State.PENDING;
        this.nextAttemptAt = now;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void accepted(String handle, Instant now, Instant pollAt) {
        this.state = State.RUNNING;
        this.providerHandle = handle;
        this.nextAttemptAt = pollAt;
        this.claimedUntil = null;
        this.claimToken = null;
        this.updatedAt = now;
    }

    /**
     * The provider lost what it had accepted: submit again (the token makes that safe). Counts
     * as an attempt, so a provider that keeps losing it cannot keep the operation going forever.
     */
    void resubmit(Instant now) {
        this.attempts++;
        this.state = State.PENDING;
        this.providerHandle = null;
        this.nextAttemptAt = now;
        this.claimedUntil = null;
        this.claimToken = null;
        this.updatedAt = now;
    }

    void retryAt(Instant when, String errorType, String errorDetail, Instant now) {
        this.attempts++;
        this.nextAttemptAt = when;
        this.errorType = errorType;
        this.errorDetail = errorDetail;
        this.claimedUntil = null;
        this.claimToken = null;
        this.updatedAt = now;
    }

    /** Not to be tried before {@code when} (a clean-up that must let a call still in flight land first). */
    void notBefore(Instant when) {
        if (when.isAfter(nextAttemptAt)) {
            this.nextAttemptAt = when;
        }
    }

    void pollAgainAt(Instant when, Instant now) {
        this.nextAttemptAt = when;
        this.claimedUntil = null;
        this.claimToken = null;
        this.updatedAt = now;
    }

    void succeeded(Instant now) {
        this.state = State.SUCCEEDED;
        this.errorType = null;
        this.errorDetail = null;
        this.claimedUntil = null;
        this.claimToken = null;
        this.finishedAt = now;
        this.updatedAt = now;
    }

    void failed(String errorType, String errorDetail, Instant now) {
        this.state = State.FAILED;
        this.errorType = errorType;
        this.errorDetail = errorDetail;
        this.claimedUntil = null;
        this.claimToken = null;
        this.finishedAt = now;
        this.updatedAt = now;
    }

    /**
     * Stopped before its end. Clears the claim like every end, so a replica still working on it
     * finds its token gone and its fenced write changes nothing.
     */
    void cancelled(String detail, Instant now) {
        this.state = State.CANCELLED;
        this.errorType = "operation-cancelled";
        this.errorDetail = detail;
        this.claimedUntil = null;
        this.claimToken = null;
        this.finishedAt = now;
        this.updatedAt = now;
    }

    /** Names the delete that superseded this (cancelled) operation: known only once the delete is under way. */
    void supersededBy(UUID delete) {
        this.errorDetail = "superseded by delete " + delete;
    }

    public boolean isFinished() {
        return state.isFinal();
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public OperationKind kind() { return kind; }
    public String targetType() { return targetType; }
    public UUID targetId() { return targetId; }
    public State state() { return state; }
    public String provider() { return provider; }
    public String params() { return params; }
    public String providerHandle() { return providerHandle; }
    public int attempts() { return attempts; }
    public UUID claimToken() { return claimToken; }
    public Instant claimedUntil() { return claimedUntil; }
    public Instant nextAttemptAt() { return nextAttemptAt; }
    public String errorType() { return errorType; }
    public String errorDetail() { return errorDetail; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public Instant finishedAt() { return finishedAt; }
}
