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
 *
 * <p>The provider side is made by a CREATE_NETWORK_LINK operation: a peering is one object
 * ({@link #providerLinkA}); a VPN is one connection on each side, made one after the other
 * because each side needs the other's public address. The VPN's pre-shared key is made here and
 * kept only in this row: it is in no view, no log and no audit record.
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
        CREATING, AVAILABLE, DELETING, DELETED, FAILED;

        /** Whether the link holds its pair: from its create until it is gone or its create gave up. */
        public boolean live() {
            return this != DELETED && this != FAILED;
        }
    }

    /** One end of the link. */
    public enum Side {
        A, B
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
    @Column(name = "provider_link_a")
    private String providerLinkA;
    @Column(name = "provider_link_b")
    private String providerLinkB;
    @Column(name = "endpoint_a")
    private String endpointA;
    @Column(name = "endpoint_b")
    private String endpointB;
    @Column(name = "pre_shared_key")
    private String preSharedKey;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "deleted_at")
    private Instant deletedAt;
    @Version
    private long version;

    protected NetworkLink() {
    }

    NetworkLink(UUID id, UUID tenantId, UUID one, UUID other, Kind kind, String preSharedKey, Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.networkA = inDatabaseOrder(one, other) ? one : other;
        this.networkB = inDatabaseOrder(one, other) ? other : one;
        this.kind = kind;
        this.preSharedKey = preSharedKey;
        this.status = Status.CREATING;
        this.createdAt = now;
        this.updatedAt = now;
    }

    void moveTo(Status next, Instant now) {
        this.status = next;
        this.updatedAt = now;
        if (next == Status.DELETED) {
            this.deletedAt = now;
        }
    }

    /** What the provider made on {@code side}, and the public address it presents there (VPN only). */
    void madeOn(Side side, String providerId, String endpoint, Instant now) {
        if (side == Side.A) {
            providerLinkA = providerId;
            endpointA = endpoint == null ? endpointA : endpoint;
        } else {
            providerLinkB = providerId;
            endpointB = endpoint == null ? endpointB : endpoint;
        }
        updatedAt = now;
    }

    /** Records a side's public address before its connection exists (a VPN's first side names it as its peer). */
    void endpointOf(Side side, String endpoint) {
        if (side == Side.A) {
            endpointA = endpoint;
        } else {
            endpointB = endpoint;
        }
    }

    public UUID network(Side side) {
        return side == Side.A ? networkA : networkB;
    }

    public String providerLink(Side side) {
        return side == Side.A ? providerLinkA : providerLinkB;
    }

    public String endpoint(Side side) {
        return side == Side.A ? endpointA : endpointB;
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
    public String providerLinkA() { return providerLinkA; }
    public String providerLinkB() { return providerLinkB; }
    public String endpointA() { return endpointA; }
    public String endpointB() { return endpointB; }
    /** The VPN's secret, for the connector calls only. */
    String preSharedKey() { return preSharedKey; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
    public Instant deletedAt() { return deletedAt; }
}
