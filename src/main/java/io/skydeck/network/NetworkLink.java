package io.skydeck.network;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import java.time.Instant;
import java.util.UUID;

/**
 * Two of a tenant's networks joined: their ranges route to each other. The pair is kept in id
 * order so that one pair has one key whichever side asked. Links do not chain: a network reaches
 * the networks it is linked to, not theirs (as VPC peering does not).
 */
@Entity
@Table(name = "network_link")
public class NetworkLink {

    public enum Kind {
        /** Both networks in one provider. */
        PEERING,
        /** Networks in two providers, joined over an encrypted tunnel. */
        VPN
    }

    public enum Status {
        ACTIVE, DELETED
    }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "network_a")
    private UUID networkA;
    @Column(name = "network_b")
    private UUID networkB;
    @Enumerated(EnumType.STRING)
    private Kind kind;
    @Enumerated(EnumType.STRING)
    private Status status;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "deleted_at")
    private Instant deletedAt;
    @Version
    private long version;

    protected NetworkLink() {
    }

    NetworkLink(UUID id, UUID tenantId, UUID one, UUID other, Kind kind, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.networkA = inDatabaseOrder(one, other) ? one : other;
        this.networkB = inDatabaseOrder(one, other) ? other : one;
        this.kind = kind;
        this.status = Status.ACTIVE;
        this.createdAt = now;
    }

    void delete(Instant now) {
        this.status = Status.DELETED;
        this.deletedAt = now;
    }

    /**
     * Whether PostgreSQL sorts {@code first} before {@code second}: it compares a uuid's bytes
     * unsigned, which is the order of the lower-case text, not of {@link UUID#compareTo} (signed).
     */
    static boolean inDatabaseOrder(UUID first, UUID second) {
        return first.toString().compareTo(second.toString()) < 0;
    }

    /** The network at the other end from {@code side}. */
    public UUID peerOf(UUID side) {
        return side.equals(networkA) ? networkB : networkA;
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public UUID networkA() { return networkA; }
    public UUID networkB() { return networkB; }
    public Kind kind() { return kind; }
    public Status status() { return status; }
    public Instant createdAt() { return createdAt; }
    public Instant deletedAt() { return deletedAt; }
}
