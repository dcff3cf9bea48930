package io.skydeck.tenancy;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** Quota held for something being created; released when it fails or is deleted. */
@Entity
@Table(name = "quota_reservation")
public class QuotaReservation {

    public enum State { HELD, RELEASED }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String purpose;
    private long vcpu;
    @Column(name = "memory_gib")
    private long memoryGib;
    private long servers;
    private long workloads;
    @Column(name = "public_ips")
    private long publicIps;
    private long networks;
    @Enumerated(EnumType.STRING)
    private State state;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "released_at")
    private Instant releasedAt;
    /** The share of the tenant's usage it charged and gives back to (V60); none for one held before shares. */
    private Short share;

    protected QuotaReservation() {
    }

    QuotaReservation(UUID id, UUID tenantId, String purpose, QuotaAmounts amounts, int share, Instant now) {
        this.id = id;
        this.share = (short) share;
        this.tenantId = tenantId;
        this.purpose = purpose;
        this.vcpu = amounts.vcpu();
        this.memoryGib = amounts.memoryGib();
        this.servers = amounts.servers();
        this.workloads = amounts.workloads();
        this.publicIps = amounts.publicIps();
        this.networks = amounts.networks();
        this.state = State.HELD;
        this.createdAt = now;
    }

    /** @return false when it was already released (releasing twice is harmless) */
    boolean release(Instant now) {
        if (state == State.RELEASED) {
            return false;
        }
        state = State.RELEASED;
        releasedAt = now;
        return true;
    }

    public QuotaAmounts amounts() {
        return new QuotaAmounts(vcpu, memoryGib, servers, workloads, publicIps, networks);
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public String purpose() { return purpose; }
    public State state() { return state; }
    public Instant createdAt() { return createdAt; }
    public Instant releasedAt() { return releasedAt; }
    /** A reservation held before usage had shares took from what became share 0. */
    int share() { return share == null ? 0 : share; }
}
