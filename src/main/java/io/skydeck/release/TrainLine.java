package io.skydeck.release;

import io.skydeck.release.train.Isolation;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * A tenant's release train over one pool: when it departs (a Quartz cron, UTC), whether an app
 * ready early may leave at once on an express, and what one app's failure does to the others of
 * its carriage. Never changed once made: the booked tickets' departures were computed from it.
 */
@Entity
@Table(name = "train_line")
public class TrainLine {

    /** The API's names for the library's {@link Isolation}. */
    public enum Mode {
        ISOLATED(Isolation.PER_APP), ALL_OR_NOTHING(Isolation.ALL_OR_NOTHING);

        private final Isolation isolation;

        Mode(Isolation isolation) {
            this.isolation = isolation;
        }

        public Isolation isolation() {
            return isolation;
        }
    }

    @Id
    private UUID id;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private String pool;
    private String provider;
    private String region;
    private String cron;
    @Column(name = "express_allowed")
    private boolean expressAllowed;
    private String isolation;
    @Column(name = "created_at")
    private Instant createdAt;

    protected TrainLine() {
    }

    TrainLine(UUID id, UUID tenantId, String pool, String provider, String region, String cron, boolean expressAllowed, Mode isolation,
              Instant now) {
        this.id = id;
        this.tenantId = tenantId;
        this.pool = pool;
        this.provider = provider;
        this.region = region;
        this.cron = cron;
        this.expressAllowed = expressAllowed;
        this.isolation = isolation.name();
        this.createdAt = now;
    }

    public UUID id() { return id; }
    public UUID tenantId() { return tenantId; }
    public String pool() { return pool; }
    public String provider() { return provider; }
    public String region() { return region; }
    public String cron() { return cron; }
    public boolean expressAllowed() { return expressAllowed; }
    public Mode isolation() { return Mode.valueOf(isolation); }
    public Instant createdAt() { return createdAt; }
}
