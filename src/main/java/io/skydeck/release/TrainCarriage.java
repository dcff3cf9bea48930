package io.skydeck.release;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * One departure of a line: the tickets that boarded it (their releases started together) and,
 * as those releases end, the carriage's state. Its row is unique per line and departure time,
 * which is what lets only one replica depart a train.
 */
@Entity
@Table(name = "train_carriage")
public class TrainCarriage {

    /** Where a carriage is; it follows its releases. */
    public enum State {
        /** Its releases run. */
        DEPARTED,
        /** Outcomes are settled and some releases are being rolled back. */
        ROLLING_BACK,
        /** Every app released. */
        RELEASED,
        /** Isolated: some apps released, the failed ones were rolled back. */
        PARTLY_RELEASED,
        /** Every app rolled back: all-or-nothing after a failure, or every app failed. */
        ROLLED_BACK,
        /** No app was ready: every ticket on it was rebooked. */
        EMPTY;

        public boolean finished() {
            return this != DEPARTED && this != ROLLING_BACK;
        }
    }

    @Id
    private UUID id;
    @Column(name = "line_id")
    private UUID lineId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    private int number;
    @Column(name = "departs_at")
    private Instant departsAt;
    private boolean express;
    private String isolation;
    private String state;
    @Column(name = "departed_at")
    private Instant departedAt;
    @Column(name = "finished_at")
    private Instant finishedAt;

    protected TrainCarriage() {
    }

    TrainCarriage(UUID id, TrainLine line, int number, Instant departsAt, boolean express, State state, Instant now) {
        this.id = id;
        this.lineId = line.id();
        this.tenantId = line.tenantId();
        this.number = number;
        this.departsAt = departsAt;
        this.express = express;
        this.isolation = line.isolation().name();
        this.state = state.name();
        this.departedAt = now;
        this.finishedAt = state.finished() ? now : null;
    }

    void moveTo(State next, Instant now) {
        this.state = next.name();
        if (next.finished() && finishedAt == null) {
            finishedAt = now;
        }
    }

    public UUID id() { return id; }
    public UUID lineId() { return lineId; }
    public UUID tenantId() { return tenantId; }
    public int number() { return number; }
    public Instant departsAt() { return departsAt; }
    public boolean express() { return express; }
    public TrainLine.Mode isolation() { return TrainLine.Mode.valueOf(isolation); }
    public State state() { return State.valueOf(state); }
    public Instant departedAt() { return departedAt; }
    public Instant finishedAt() { return finishedAt; }
}
