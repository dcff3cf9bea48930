package io.skydeck.release;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The JSON of {@code /v1/trains}: requests in, views out. */
public final class TrainViews {

    private TrainViews() {
    }

    /**
     * A line over one pool. {@code pool}: its name, unique per tenant; {@code provider} (and
     * {@code region}), when given, are the only ones whose groups may book. {@code cron}: Quartz
     * syntax, UTC (e.g. {@code "0 0 0/2 * * ?"}, every two hours). {@code expressAllowed} (default
     * false): an app ready early may depart at once. {@code isolation}: ISOLATED (default: a failed
     * app rolls back alone) or ALL_OR_NOTHING (one failure rolls back the whole carriage).
     */
    public record CreateLine(UUID tenantId, String pool, String provider, String region, String cron, Boolean expressAllowed,
                             String isolation) {
    }

    /**
     * The release settings a ticket's release starts with, as {@code POST /v1/releases} takes them;
     * null fields take that endpoint's defaults. {@code strategy} is ROLLING, RECREATE or CANARY
     * (a carriage releases each app onto its own group: the two-group strategies are refused);
     * {@code analysis}, {@code canary} and {@code degradeSwitches} are that endpoint's too.
     */
    public record Settings(String strategy, Integer batchSize, Integer batchPercent, Integer parallelism, Double brakeRatio,
                           Double onlineMinimum, Boolean bastion, GateViews.AnalysisRequest analysis, GateViews.CanaryRequest canary,
                           List<String> degradeSwitches) {
        static final Settings DEFAULTS = new Settings(null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * A ticket: the group, and the version by {@code versionId} or by {@code version} name (which
     * may be uploaded later: the ticket is not ready until it is). {@code readyAt} (default now):
     * the first departure at or after it is booked. {@code express}: depart now (the line must
     * allow it, and the app must be ready).
     */
    public record BookTicket(UUID groupId, UUID versionId, String version, Instant readyAt, Boolean express, Settings release) {
    }

    public record LineView(UUID id, UUID tenantId, String pool, String provider, String region, String cron, boolean expressAllowed,
                           TrainLine.Mode isolation, Instant nextDeparture, Instant createdAt) {
    }

    /** A departure: {@code number} (null until it has left), when, and whether it was an express. */
    public record DepartureRef(Integer number, Instant departsAt, boolean express) {
    }

    /** What happened to a ticket: BOOKED, REBOOKED (missed a departure; {@code reason} says why), BOARDED, EXPRESS, STARTED, ... */
    public record TicketEvent(String what, Instant departsAt, String reason, String actor, Instant occurredAt) {
    }

    public record TicketView(UUID id, UUID lineId, UUID tenantId, UUID groupId, UUID versionId, String version, Settings release,
                             TrainTicket.State state, DepartureRef departure, int rebooked, UUID releaseId, String releaseState,
                             String failure, List<TicketEvent> history, Instant createdAt, Instant updatedAt) {
    }

    /** An app on a departure; {@code releaseState} is read from its release. */
    public record Passenger(UUID ticketId, UUID groupId, TrainTicket.State state, UUID releaseId, String releaseState, String failure) {
    }

    /** A ticket that missed this departure and was rebooked onto {@code rebookedTo}. */
    public record Missed(UUID ticketId, UUID groupId, String reason, Instant rebookedTo) {
    }

    /**
     * A departure. Departed ones have a {@code number} and a state that follows their releases
     * (DEPARTED, ROLLING_BACK, RELEASED, PARTLY_RELEASED, ROLLED_BACK, EMPTY); upcoming ones have
     * no number, state SCHEDULED, and the tickets booked on them.
     */
    public record DepartureView(Integer number, Instant departsAt, boolean express, TrainLine.Mode isolation, String state,
                                Instant departedAt, Instant finishedAt, List<Passenger> tickets, List<Missed> missed) {
    }
}
