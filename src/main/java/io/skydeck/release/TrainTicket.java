package io.skydeck.release;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * An app's ticket on a line: its group, the version it ships (by id, or by name when the version
 * is not uploaded yet — it is then not ready until it is), the release settings its release
 * starts with, and where it is: booked on a departure, boarded on a carriage, or its outcome.
 */
@Entity
@Table(name = "train_ticket")
public class TrainTicket {

    public enum State {
        BOOKED, CANCELLED,
        /** On a carriage; its release runs. */
        BOARDED,
        RELEASED,
        /** Its own release failed (or could not start) and was rolled back. */
        ROLLED_BACK,
        /** It released, but another app of its all-or-nothing carriage failed. */
        ROLLED_BACK_WITH_CARRIAGE
    }

    @Id
    private UUID id;
    @Column(name = "line_id")
    private UUID lineId;
    @Column(name = "tenant_id")
    private UUID tenantId;
    @Column(name = "group_id")
    private UUID groupId;
    @Column(name = "version_id")
    private UUID versionId;
    @Column(name = "version_name")
    private String versionName;
    private String strategy;
    @Column(name = "batch_size")
    private Integer batchSize;
    @Column(name = "batch_percent")
    private Integer batchPercent;
    private Integer parallelism;
    @Column(name = "brake_ratio")
    private BigDecimal brakeRatio;
    @Column(name = "online_minimum")
    private BigDecimal onlineMinimum;
    private Boolean bastion;
    /** The analysis, canary and degrade switches of the ticket's release, as JSON ({@link Gates}); null: none. */
    @Column(name = "release_gates")
    private String releaseGates;
    private String state;
    @Column(name = "departs_at")
    private Instant departsAt;
    private boolean express;
    private int rebooked;
    @Column(name = "carriage_id")
    private UUID carriageId;
    @Column(name = "release_id")
    private UUID releaseId;
    private String failure;
    @Column(name = "created_at")
    private Instant createdAt;
    @Column(name = "updated_at")
    private Instant updatedAt;

    protected TrainTicket() {
    }

    TrainTicket(UUID id, TrainLine line, UUID groupId, UUID versionId, String versionName, TrainViews.Settings settings,
                Instant departsAt, Instant now) {
        this.id = id;
        this.lineId = line.id();
        this.tenantId = line.tenantId();
        this.groupId = groupId;
        this.versionId = versionId;
        this.versionName = versionName;
        this.strategy = settings.strategy();
        this.batchSize = settings.batchSize();
        this.batchPercent = settings.batchPercent();
        this.parallelism = settings.parallelism();
        this.brakeRatio = settings.brakeRatio() == null ? null : BigDecimal.valueOf(settings.brakeRatio());
        this.onlineMinimum = settings.onlineMinimum() == null ? null : BigDecimal.valueOf(settings.onlineMinimum());
        this.bastion = settings.bastion();
        this.releaseGates = Gates.of(settings).map(Gates::write).orElse(null);
        this.state = State.BOOKED.name();
        this.departsAt = departsAt;
        this.createdAt = now;
        this.updatedAt = now;
    }

    /** Missed its departure: on the next one (the line decided which). */
    void rebook(Instant next, int times, Instant now) {
        this.departsAt = next;
        this.rebooked = times;
        this.updatedAt = now;
    }

    void board(UUID carriage, Instant departure, boolean express, Instant now) {
        this.state = State.BOARDED.name();
        this.carriageId = carriage;
        this.departsAt = departure;
        this.express = express;
        this.updatedAt = now;
    }

    void started(UUID release, Instant now) {
        this.releaseId = release;
        this.updatedAt = now;
    }

    void couldNotStart(String why, Instant now) {
        this.failure = why;
        this.updatedAt = now;
    }

    void moveTo(State next, Instant now) {
        this.state = next.name();
        this.updatedAt = now;
    }

    public TrainViews.Settings settings() {
        Gates gates = releaseGates == null ? Gates.NONE : Gates.read(releaseGates);
        return new TrainViews.Settings(strategy, batchSize, batchPercent, parallelism,
                brakeRatio == null ? null : brakeRatio.doubleValue(), onlineMinimum == null ? null : onlineMinimum.doubleValue(), bastion,
                gates.analysis(), gates.canary(), gates.degradeSwitches());
    }

    /**
     * The settings that are documents rather than numbers, kept as one JSON column: the requests as
     * the ticket was booked with them, checked then and turned into specs when its release starts.
     */
    record Gates(GateViews.AnalysisRequest analysis, GateViews.CanaryRequest canary, List<String> degradeSwitches) {
        static final Gates NONE = new Gates(null, null, null);
        private static final ObjectMapper JSON = new ObjectMapper();

        static Optional<Gates> of(TrainViews.Settings s) {
            Gates g = new Gates(s.analysis(), s.canary(), s.degradeSwitches() == null || s.degradeSwitches().isEmpty() ? null
                    : List.copyOf(s.degradeSwitches()));
            return g.equals(NONE) ? Optional.empty() : Optional.of(g);
        }

        String write() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a ticket's gates are not serialisable", e);
            }
        }

        static Gates read(String text) {
            try {
                return JSON.readValue(text, Gates.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a ticket's stored gates are not readable: " + text, e);
            }
        }
    }

    public UUID id() { return id; }
    public UUID lineId() { return lineId; }
    public UUID tenantId() { return tenantId; }
    public UUID groupId() { return groupId; }
    public UUID versionId() { return versionId; }
    public String versionName() { return versionName; }
    public State state() { return State.valueOf(state); }
    public Instant departsAt() { return departsAt; }
    public boolean express() { return express; }
    public int rebooked() { return rebooked; }
    public UUID carriageId() { return carriageId; }
    public UUID releaseId() { return releaseId; }
    public String failure() { return failure; }
    public Instant createdAt() { return createdAt; }
    public Instant updatedAt() { return updatedAt; }
}
