package io.skydeck.release;

import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.quartz.Nonconcurrent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.platform.security.Caller;
import io.skydeck.release.ReleaseViews.CreateRelease;
import io.skydeck.release.TrainViews.Settings;
import io.skydeck.release.rollout.ReleaseState;
import io.skydeck.release.train.Booking;
import io.skydeck.release.train.Carriage;
import io.skydeck.release.train.Line;
import io.skydeck.tenancy.TenantService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Departs trains and follows their carriages. A clustered Quartz job (one replica per firing,
 * {@link Nonconcurrent} across the cluster) looks every few seconds for booked tickets whose
 * departure has come, and departs each line's train under the line's row lock; the carriage row,
 * unique per line and departure, is the proof that a departure happens once even if two replicas
 * got there. The library's {@link Line} decides who boards (the ready apps) and where the others
 * are rebooked; each boarding app's release starts through {@link ReleaseService} in a
 * transaction of its own, so one app that cannot start does not hold up its carriage (a workload
 * group's pods are read from its cluster just before, outside any transaction). Then every
 * pass reads the carriages' releases: once they are decided, the library's {@link Carriage}
 * settles each app's outcome, and the releases it rolls back are rolled back through the release
 * service's rollback action — outcome stored first, rollback asked for (again) until it shows.
 */
@ApplicationScoped
public class TrainDepartures {

    private static final Logger LOG = Logger.getLogger(TrainDepartures.class);
    private static final Set<String> FAILED = Set.of(ReleaseState.SMOKE_FAILED.name(), ReleaseState.BRAKED.name(),
            ReleaseState.ROLLING_BACK.name(), ReleaseState.ROLLED_BACK.name(), ReleaseState.ABORTED.name());
    private static final Set<String> ROLLED_BACK_OR_GOING = Set.of(ReleaseState.ROLLING_BACK.name(), ReleaseState.ROLLED_BACK.name(),
            ReleaseState.ABORTED.name());

    @Inject
    EntityManager em;

    @Inject
    ReleaseService releases;

    @Inject
    ReleaseDrivers drivers;

    @Inject
    ApplicationService applications;

    @Inject
    TenantService tenants;

    @Inject
    AuditLog audit;

    @Inject
    Caller caller;

    @Inject
    CurrentVertxRequest request;

    @Inject
    Clock clock;

    /** Holds the job's period ({@code skydeck.trains.check-every}), which the annotation reads. */
    @Inject
    TrainConfig config;

    @Scheduled(identity = "release-train-departures", every = "${skydeck.trains.check-every:5s}", delayed = "10s")
    @Nonconcurrent
    @ActivateRequestContext
    void scheduled() {
        try {
            run(clock.instant());
        } catch (RuntimeException e) {
            LOG.warnf(e, "train departures failed; the next firing retries");
        }
    }

    /** One pass: departs every train due at {@code now}, then follows every carriage on its way. Answers the carriages that left. */
    @ActivateRequestContext
    public List<UUID> run(Instant now) {
        List<UUID> departed = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Object[]> due = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                "SELECT DISTINCT line_id, departs_at FROM train_ticket WHERE state = 'BOOKED' AND departs_at <= ?1 ORDER BY departs_at")
                .setParameter(1, now).getResultList());
        for (Object[] row : due) {
            depart((UUID) row[0], TrainService.instant(row[1])).ifPresent(departed::add);
        }
        follow();
        return departed;
    }

    /**
     * Departs the line's train of {@code departure}, once: empty when it has left already (here
     * or on another replica). The apps booked on it that are ready board; the others are rebooked
     * on the next departure with the reason recorded. Then each boarding app's release starts.
     */
    @ActivateRequestContext
    public Optional<UUID> depart(UUID lineId, Instant departure) {
        Optional<UUID> carriage = QuarkusTransaction.requiringNew().call(() -> board(lineId, departure));
        carriage.ifPresent(this::startReleases);
        return carriage;
    }

    /** Follows every carriage still on its way (see the class comment). */
    @ActivateRequestContext
    public void follow() {
        List<UUID> open = QuarkusTransaction.requiringNew().call(() -> em.createQuery(
                "select c.id from TrainCarriage c where c.finishedAt is null order by c.departedAt", UUID.class).getResultList());
        for (UUID id : open) {
            try {
                startReleases(id);
                List<UUID> rollbacks = QuarkusTransaction.requiringNew().call(() -> settle(id));
                for (UUID release : rollbacks) {
                    try {
                        releases.act(release, ReleaseService.Action.ROLLBACK, actor());
                    } catch (ProblemException e) {
                        LOG.infof("carriage %s: rollback of release %s refused (%s); the next pass looks again", id, release, e.getMessage());
                    }
                }
                if (!rollbacks.isEmpty()) {
                    drivers.wake();
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "carriage %s: follow failed; the next pass retries", id);
            }
        }
    }

    private Optional<UUID> board(UUID lineId, Instant departure) {
        TrainLine line = em.find(TrainLine.class, lineId, LockModeType.PESSIMISTIC_WRITE);
        if (line == null || carriageAt(lineId, departure).isPresent()) {
            return Optional.empty();
        }
        List<TrainTicket> booked = booked(lineId);
        Map<String, TrainTicket> byApp = new HashMap<>();
        Map<String, String> notReady = new HashMap<>();
        Set<String> ready = new java.util.HashSet<>();
        for (TrainTicket t : booked) {
            byApp.put(app(t), t);
            if (t.departsAt().equals(departure)) {
                whyNotReady(t).ifPresentOrElse(why -> notReady.put(app(t), why), () -> ready.add(app(t)));
            }
        }
        Line.Departure left = rulesOf(line, booked).depart(departure, ready);
        Instant now = now();
        TrainCarriage carriage = new TrainCarriage(UUID.randomUUID(), line, nextNumber(lineId), departure, false,
                left.carriage().apps().isEmpty() ? TrainCarriage.State.EMPTY : TrainCarriage.State.DEPARTED, now);
        em.persist(carriage);
        em.flush(); // the unique (line, departure) fails here if another replica departed it in between
        for (String app : left.carriage().apps()) {
            TrainTicket t = byApp.get(app);
            t.board(carriage.id(), departure, false, now);
            event(t.id(), "BOARDED", departure, "carriage " + carriage.number(), actor());
        }
        for (Booking b : left.rebooked()) {
            TrainTicket t = byApp.get(b.app());
            String why = notReady.get(b.app());
            t.rebook(b.departure(), t.rebooked() + b.rebooked(), now);
            event(t.id(), "REBOOKED", b.departure(), departure, "missed the departure of " + departure + ": " + why, actor());
        }
        audit.record("train.departed", "train-carriage", carriage.id(), line.tenantId(), Map.of("line", lineId, "number", carriage.number(),
                "departsAt", departure.toString(), "boarded", left.carriage().apps().size(), "rebooked", left.rebooked().size()));
        return Optional.of(carriage.id());
    }

    /**
     * An express: the ticket's app leaves now on a carriage of its own, its release started in
     * the caller's transaction — a refusal is the caller's answer. {@code rules} has the ticket
     * booked as an express at {@code now} already.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    void departExpress(TrainLine line, TrainTicket ticket, Line rules, Instant now) {
        Optional<String> why = whyNotReady(ticket);
        if (why.isPresent()) {
            throw new ProblemException(ProblemType.CONFLICT, "the app is not ready for an express: " + why.get());
        }
        Line.Departure left = rules.depart(now, Set.of(app(ticket)));
        if (!left.carriage().apps().equals(List.of(app(ticket)))) {
            throw new IllegalStateException("the express of " + app(ticket) + " left with " + left.carriage().apps());
        }
        TrainCarriage carriage = new TrainCarriage(UUID.randomUUID(), line, nextNumber(line.id()), now, true,
                TrainCarriage.State.DEPARTED, now);
        em.persist(carriage);
        em.flush();
        ticket.board(carriage.id(), now, true, now);
        event(ticket.id(), "EXPRESS", now, "carriage " + carriage.number(), actor());
        // A workload's pods are read from its cluster outside any transaction: its release starts once this one has
        // committed (startBoarded, or else the next follow pass).
        if (applications.group(ticket.groupId()).orElseThrow().kind() == ReleaseGroup.Kind.SERVERS) {
            Release release = releases.create(tenants.find(ticket.tenantId()).orElseThrow(),
                    createRelease(ticket, resolve(ticket).orElseThrow()), actor());
            ticket.started(release.id(), now);
            event(ticket.id(), "STARTED", now, "release " + release.id(), actor());
        }
        audit.record("train.departed", "train-carriage", carriage.id(), line.tenantId(), Map.of("line", line.id(),
                "number", carriage.number(), "departsAt", now.toString(), "express", true, "boarded", 1, "rebooked", left.rebooked().size()));
    }

    /** Starts the releases still to start on the line's carriages on their way: an express of a workload group's, after its booking. */
    @ActivateRequestContext
    public void startBoarded(UUID lineId) {
        List<UUID> open = QuarkusTransaction.requiringNew().call(() -> em.createQuery(
                "select c.id from TrainCarriage c where c.lineId = ?1 and c.finishedAt is null order by c.departedAt", UUID.class)
                .setParameter(1, lineId).getResultList());
        for (UUID carriage : open) {
            try {
                startReleases(carriage);
            } catch (RuntimeException e) {
                LOG.warnf(e, "carriage %s: its releases did not start; the next pass retries", carriage);
            }
        }
    }

    /** Starts the release of every boarded ticket of the carriage that has none yet, each in a transaction of its own. */
    void startReleases(UUID carriageId) {
        List<UUID> waiting = QuarkusTransaction.requiringNew().call(() -> em.createQuery(
                "select t.id from TrainTicket t where t.carriageId = ?1 and t.state = ?2 and t.releaseId is null and t.failure is null"
                        + " order by t.createdAt", UUID.class)
                .setParameter(1, carriageId).setParameter(2, TrainTicket.State.BOARDED.name()).getResultList());
        boolean started = false;
        for (UUID ticketId : waiting) {
            try {
                Optional<ReleaseService.WorkloadPods> pods = workloadPods(ticketId);
                started |= QuarkusTransaction.requiringNew().call(() -> startRelease(ticketId, pods));
            } catch (ProblemException e) {
                QuarkusTransaction.requiringNew().run(() -> {
                    TrainTicket t = em.find(TrainTicket.class, ticketId, LockModeType.PESSIMISTIC_WRITE);
                    t.couldNotStart(e.getMessage(), now());
                    event(ticketId, "NOT_STARTED", t.departsAt(), e.getMessage(), actor());
                });
            }
        }
        if (started) {
            drivers.wake();
        }
    }

    /**
     * A workload group's pods, read from its cluster before the release's transaction (as
     * {@code POST /v1/releases} does); empty for a server group, or a ticket whose version is
     * missing (its start then says so).
     */
    private Optional<ReleaseService.WorkloadPods> workloadPods(UUID ticketId) {
        var request = QuarkusTransaction.requiringNew().call(() -> {
            TrainTicket t = em.find(TrainTicket.class, ticketId);
            boolean workload = applications.group(t.groupId()).map(g -> g.kind() == ReleaseGroup.Kind.WORKLOAD).orElse(false);
            return workload ? resolve(t).map(v -> Map.entry(tenants.find(t.tenantId()).orElseThrow(), createRelease(t, v)))
                    : Optional.<Map.Entry<io.skydeck.tenancy.Tenant, CreateRelease>>empty();
        });
        return request.flatMap(r -> releases.workloadPods(r.getKey(), r.getValue()));
    }

    private boolean startRelease(UUID ticketId, Optional<ReleaseService.WorkloadPods> pods) {
        TrainTicket t = em.find(TrainTicket.class, ticketId, LockModeType.PESSIMISTIC_WRITE);
        if (t.releaseId() != null || t.failure() != null) {
            return false;
        }
        ApplicationVersion version = resolve(t).orElseThrow(() -> new ProblemException(ProblemType.CONFLICT,
                "version " + t.versionName() + " is gone"));
        Release release = releases.create(tenants.find(t.tenantId()).orElseThrow(), createRelease(t, version), pods, actor());
        t.started(release.id(), now());
        event(t.id(), "STARTED", t.departsAt(), "release " + release.id(), actor());
        return true;
    }

    /**
     * One look at a carriage: reads its releases; settles the apps whose outcome is known (all,
     * once every release is decided; or, after a failure, the failed app alone — and with
     * all-or-nothing every app); answers the releases to roll back, and moves the carriage on.
     */
    private List<UUID> settle(UUID carriageId) {
        TrainCarriage c = em.find(TrainCarriage.class, carriageId, LockModeType.PESSIMISTIC_WRITE);
        if (c.state().finished()) {
            return List.of();
        }
        TrainLine line = em.find(TrainLine.class, c.lineId());
        List<TrainTicket> tickets = em.createQuery("from TrainTicket where carriageId = ?1 order by createdAt, id", TrainTicket.class)
                .setParameter(1, carriageId).getResultList();
        Map<String, Boolean> succeeded = new LinkedHashMap<>();
        Map<String, Boolean> pending = new HashMap<>();
        Map<String, String> states = new HashMap<>();
        boolean anyFailed = false;
        for (TrainTicket t : tickets) {
            String state = releaseState(t.releaseId());
            states.put(app(t), state);
            boolean failed = switch (t.state()) {
                case ROLLED_BACK -> true;
                case BOARDED -> t.releaseId() == null ? t.failure() != null : FAILED.contains(state);
                default -> false;
            };
            boolean undecided = t.state() == TrainTicket.State.BOARDED && !failed
                    && !ReleaseState.SUCCEEDED.name().equals(state);
            succeeded.put(app(t), !failed);
            pending.put(app(t), undecided);
            anyFailed |= failed;
        }
        Instant now = now();
        if (anyFailed || !pending.containsValue(true)) {
            Map<String, Carriage.Outcome> outcomes = new Carriage(line.pool(), c.departsAt(), List.copyOf(succeeded.keySet()),
                    c.isolation().isolation()).settle(succeeded);
            String failedApps = succeeded.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList().toString();
            for (TrainTicket t : tickets) {
                Carriage.Outcome o = outcomes.get(app(t));
                if (t.state() != TrainTicket.State.BOARDED || o == Carriage.Outcome.RELEASED && pending.get(app(t))) {
                    continue;
                }
                TrainTicket.State next = switch (o) {
                    case RELEASED -> TrainTicket.State.RELEASED;
                    case ROLLED_BACK -> TrainTicket.State.ROLLED_BACK;
                    case ROLLED_BACK_WITH_CARRIAGE -> TrainTicket.State.ROLLED_BACK_WITH_CARRIAGE;
                };
                t.moveTo(next, now);
                String reason = switch (o) {
                    case RELEASED -> "release " + t.releaseId() + " succeeded";
                    case ROLLED_BACK -> t.releaseId() == null ? "its release could not start: " + t.failure()
                            : "release " + t.releaseId() + " ended " + states.get(app(t));
                    case ROLLED_BACK_WITH_CARRIAGE -> "all-or-nothing: group(s) " + failedApps + " of the carriage failed";
                };
                event(t.id(), next.name(), c.departsAt(), reason, "train");
            }
        }
        List<UUID> rollbacks = new ArrayList<>();
        boolean boarded = false;
        boolean rollingBack = false;
        int released = 0;
        for (TrainTicket t : tickets) {
            boarded |= t.state() == TrainTicket.State.BOARDED;
            released += t.state() == TrainTicket.State.RELEASED ? 1 : 0;
            boolean rolledBack = t.state() == TrainTicket.State.ROLLED_BACK || t.state() == TrainTicket.State.ROLLED_BACK_WITH_CARRIAGE;
            if (rolledBack && t.releaseId() != null) {
                String state = states.get(app(t));
                if (!ROLLED_BACK_OR_GOING.contains(state)) {
                    rollbacks.add(t.releaseId());
                }
                rollingBack |= !ReleaseState.ROLLED_BACK.name().equals(state) && !ReleaseState.ABORTED.name().equals(state);
            }
        }
        if (!boarded) {
            TrainCarriage.State next = rollingBack ? TrainCarriage.State.ROLLING_BACK
                    : released == tickets.size() ? TrainCarriage.State.RELEASED
                    : released == 0 ? TrainCarriage.State.ROLLED_BACK : TrainCarriage.State.PARTLY_RELEASED;
            if (next != c.state()) {
                c.moveTo(next, now);
                if (next.finished()) {
                    audit.record("train.carriage.arrived", "train-carriage", c.id(), c.tenantId(), Map.of("line", c.lineId(),
                            "number", c.number(), "state", next.name(), "released", released, "apps", tickets.size()));
                }
            }
        }
        return rollbacks;
    }

    // --- shared with TrainService ----------------------------------------------------------------

    /** The library's line with the tickets booked on it, each on the departure it holds. */
    Line rulesOf(TrainLine line, List<TrainTicket> booked) {
        Line rules = new Line(line.pool(), TrainCron.parse(line.cron()), line.expressAllowed(), line.isolation().isolation());
        for (TrainTicket t : booked) {
            rules.book(app(t), t.departsAt(), t.departsAt(), false);
        }
        return rules;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    List<TrainTicket> booked(UUID lineId) {
        return em.createQuery("from TrainTicket where lineId = ?1 and state = ?2 order by departsAt, createdAt", TrainTicket.class)
                .setParameter(1, lineId).setParameter(2, TrainTicket.State.BOOKED.name()).getResultList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    String releaseState(UUID releaseId) {
        return releaseId == null ? null : releases.find(releaseId).map(Release::state).orElse(null);
    }

    @Transactional(Transactional.TxType.MANDATORY)
    void event(UUID ticketId, String what, Instant departsAt, String reason, String actor) {
        event(ticketId, what, departsAt, null, reason, actor);
    }

    private void event(UUID ticketId, String what, Instant departsAt, Instant missed, String reason, String actor) {
        em.createNativeQuery("INSERT INTO train_ticket_event (ticket_id, what, departs_at, missed_departure, reason, actor, occurred_at)"
                        + " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .setParameter(1, ticketId).setParameter(2, what).setParameter(3, departsAt).setParameter(4, missed)
                .setParameter(5, reason).setParameter(6, actor).setParameter(7, now()).executeUpdate();
    }

    String actor() {
        boolean inRequest = Arc.container().requestContext().isActive() && request.getCurrent() != null;
        return inRequest ? caller.subject() : "train";
    }

    /** Why the ticket's app cannot leave now, or empty when it can. */
    private Optional<String> whyNotReady(TrainTicket t) {
        ReleaseGroup group = applications.group(t.groupId()).orElseThrow();
        if (resolve(t).isEmpty()) {
            return Optional.of("version " + t.versionName() + " of group " + group.name() + "'s application is not uploaded");
        }
        List<Release> busy = em.createQuery("from Release where groupId = ?1 and state not in ?2", Release.class)
                .setParameter(1, group.id()).setParameter(2, List.of(ReleaseState.SUCCEEDED.name(), ReleaseState.ROLLED_BACK.name(),
                        ReleaseState.ABORTED.name())).getResultList();
        if (!busy.isEmpty()) {
            return Optional.of("group " + group.name() + " is busy with release " + busy.get(0).id() + " (" + busy.get(0).state() + ")");
        }
        return Optional.empty();
    }

    private Optional<ApplicationVersion> resolve(TrainTicket t) {
        if (t.versionId() != null) {
            return applications.version(t.versionId());
        }
        ReleaseGroup group = applications.group(t.groupId()).orElseThrow();
        return em.createQuery("from ApplicationVersion where applicationId = ?1 and name = ?2", ApplicationVersion.class)
                .setParameter(1, group.applicationId()).setParameter(2, t.versionName()).getResultStream().findFirst();
    }

    private static CreateRelease createRelease(TrainTicket t, ApplicationVersion version) {
        Settings s = t.settings();
        return new CreateRelease(null, t.groupId(), version.id(), s.strategy(), s.batchSize(), s.batchPercent(), s.parallelism(),
                s.brakeRatio(), s.onlineMinimum(), s.bastion(), null, null, null, s.analysis(), s.canary(), s.degradeSwitches(), null);
    }

    private Optional<UUID> carriageAt(UUID lineId, Instant departure) {
        return em.createQuery("select c.id from TrainCarriage c where c.lineId = ?1 and c.departsAt = ?2", UUID.class)
                .setParameter(1, lineId).setParameter(2, departure).getResultStream().findFirst();
    }

    private int nextNumber(UUID lineId) {
        return em.createQuery("select coalesce(max(c.number), 0) from TrainCarriage c where c.lineId = ?1", Integer.class)
                .setParameter(1, lineId).getSingleResult() + 1;
    }

    private static String app(TrainTicket t) {
        return t.groupId().toString();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
