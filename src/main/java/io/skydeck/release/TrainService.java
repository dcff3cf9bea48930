package io.skydeck.release;

import io.skydeck.compute.Workload;
import io.skydeck.compute.WorkloadRepository;
import io.skydeck.connectors.spi.CloudProvider;
import io.skydeck.connectors.spi.TrafficControl;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.providers.ProviderRegistry;
import io.skydeck.release.TrainViews.BookTicket;
import io.skydeck.release.TrainViews.CreateLine;
import io.skydeck.release.TrainViews.DepartureRef;
import io.skydeck.release.TrainViews.DepartureView;
import io.skydeck.release.TrainViews.LineView;
import io.skydeck.release.TrainViews.Missed;
import io.skydeck.release.TrainViews.Passenger;
import io.skydeck.release.TrainViews.Settings;
import io.skydeck.release.TrainViews.TicketEvent;
import io.skydeck.release.TrainViews.TicketView;
import io.skydeck.release.rollout.InvalidRollout;
import io.skydeck.release.rollout.Rollout;
import io.skydeck.release.rollout.RolloutPolicy;
import io.skydeck.release.train.Booking;
import io.skydeck.release.train.Line;
import io.skydeck.release.train.TrainRefused;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Release trains: lines, tickets, express departures and what they look like. The rules are the
 * library's {@link Line}, rebuilt from the booked tickets under the line's row lock for every
 * decision, so its answer and the stored tickets never drift apart; departures and what follows
 * them are {@link TrainDepartures}'.
 */
@ApplicationScoped
public class TrainService {

    @Inject
    EntityManager em;

    @Inject
    ApplicationService applications;

    @Inject
    TrainDepartures departures;

    @Inject
    AuditLog audit;

    @Inject
    ReleaseGates gates;

    @Inject
    DegradeSwitchService degradeSwitches;

    @Inject
    ProviderRegistry providers;

    @Inject
    WorkloadRepository workloads;

    @Inject
    Clock clock;

    @Transactional
    public TrainLine createLine(Tenant tenant, CreateLine request) {
        String pool = request.pool() == null ? null : request.pool().trim();
        if (pool == null || pool.isEmpty() || pool.length() > 100) {
            throw ProblemException.invalid("pool", "is required, at most 100 characters (e.g. \"sandbox/sbx-east-1\" or \"payments\")");
        }
        if (request.region() != null && request.provider() == null) {
            throw ProblemException.invalid("provider", "is required when region is given");
        }
        TrainCron cron;
        try {
            cron = TrainCron.parse(request.cron()).requireUsable(now());
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("cron", e.getMessage());
        }
        TrainLine.Mode isolation;
        try {
            isolation = request.isolation() == null ? TrainLine.Mode.ISOLATED
                    : TrainLine.Mode.valueOf(request.isolation().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("isolation", "'" + request.isolation() + "' is not one of " + List.of(TrainLine.Mode.values()));
        }
        if (em.createQuery("select count(l) from TrainLine l where l.tenantId = ?1 and l.pool = ?2", Long.class)
                .setParameter(1, tenant.id()).setParameter(2, pool).getSingleResult() > 0) {
            throw new ProblemException(ProblemType.CONFLICT, "pool " + pool + " already has a line");
        }
        TrainLine line = new TrainLine(UUID.randomUUID(), tenant.id(), pool, request.provider(), request.region(), cron.expression(),
                Boolean.TRUE.equals(request.expressAllowed()), isolation, now());
        em.persist(line);
        audit.record("train.line.created", "train-line", line.id(), tenant.id(), Map.of("pool", pool, "cron", cron.expression(),
                "expressAllowed", line.expressAllowed(), "isolation", isolation.name()));
        return line;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<TrainLine> line(UUID id) {
        return Optional.ofNullable(em.find(TrainLine.class, id));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<TrainLine> lines(Optional<UUID> tenantId) {
        return tenantId.map(t -> em.createQuery("from TrainLine where tenantId = ?1 order by createdAt, id", TrainLine.class)
                        .setParameter(1, t).getResultList())
                .orElseGet(() -> em.createQuery("from TrainLine order by createdAt, id", TrainLine.class).getResultList());
    }

    /**
     * Books a ticket on the line's first departure at or after the app is ready; with {@code
     * express}, departs it now (the line must allow express departures and the app be ready).
     */
    @Transactional
    public TrainTicket book(UUID lineId, BookTicket request) {
        TrainLine line = em.find(TrainLine.class, lineId, LockModeType.PESSIMISTIC_WRITE);
        if (request.groupId() == null) {
            throw ProblemException.invalid("groupId", "is required");
        }
        ReleaseGroup group = applications.group(request.groupId()).filter(g -> g.tenantId().equals(line.tenantId()))
                .orElseThrow(() -> ProblemException.notFound("release group", request.groupId()));
        if (line.provider() != null && (!line.provider().equals(group.provider())
                || line.region() != null && !line.region().equals(group.region()))) {
            throw ProblemException.invalid("groupId", "group " + group.name() + " is on " + group.provider() + "/" + group.region()
                    + ", not in pool " + line.pool() + " (" + line.provider() + (line.region() == null ? "" : "/" + line.region()) + ")");
        }
        if ((request.versionId() == null) == (request.version() == null || request.version().isBlank())) {
            throw ProblemException.invalid("versionId", "give versionId or version (a name, which may be uploaded later), one of them");
        }
        if (request.versionId() != null) {
            ApplicationVersion v = applications.version(request.versionId()).filter(x -> x.tenantId().equals(line.tenantId()))
                    .orElseThrow(() -> ProblemException.notFound("version", request.versionId()));
            if (!v.applicationId().equals(group.applicationId())) {
                throw ProblemException.invalid("versionId", "version " + v.name() + " is of another application than group " + group.name());
            }
            if (group.kind() == ReleaseGroup.Kind.WORKLOAD && v.image() == null) {
                throw ProblemException.invalid("versionId", "version " + v.name() + " has a packageUrl but no image; group "
                        + group.name() + " is a Kubernetes workload, which runs container images");
            }
        }
        Settings settings = request.release() == null ? Settings.DEFAULTS : request.release();
        check(settings, group, line.tenantId());
        Instant now = now();
        Instant readyAt = request.readyAt() == null ? now : request.readyAt().truncatedTo(ChronoUnit.MICROS);
        boolean express = Boolean.TRUE.equals(request.express());
        if (express && readyAt.isAfter(now)) {
            throw ProblemException.invalid("readyAt", "an express leaves now; book the departure after " + readyAt + " without express");
        }
        Line rules = departures.rulesOf(line, departures.booked(line.id()));
        Booking booking;
        try {
            booking = rules.book(group.id().toString(), readyAt, now, express);
        } catch (TrainRefused e) {
            throw refused(e);
        }
        TrainTicket ticket = new TrainTicket(UUID.randomUUID(), line, group.id(), request.versionId(),
                request.versionId() == null ? request.version().trim() : null, settings, booking.departure(), now);
        em.persist(ticket);
        em.flush();
        departures.event(ticket.id(), "BOOKED", booking.departure(), express ? "express requested" : null, actor());
        audit.record("train.ticket.booked", "train-ticket", ticket.id(), line.tenantId(), Map.of("line", line.id(), "group", group.id(),
                "departsAt", booking.departure().toString(), "express", express));
        if (express) {
            departures.departExpress(line, ticket, rules, now);
        }
        return ticket;
    }

    /** An app ready early leaves now, on a carriage of its own, if the line allows it (409 naming why not). */
    @Transactional
    public TrainTicket express(UUID lineId, UUID ticketId) {
        TrainLine line = em.find(TrainLine.class, lineId, LockModeType.PESSIMISTIC_WRITE);
        TrainTicket ticket = ticket(lineId, ticketId, true);
        if (ticket.state() != TrainTicket.State.BOOKED) {
            throw new ProblemException(ProblemType.CONFLICT, "ticket " + ticketId + " is " + ticket.state() + "; only a booked ticket can take an express");
        }
        Line rules = departures.rulesOf(line, departures.booked(line.id()));
        String app = ticket.groupId().toString();
        rules.cancel(app);
        Instant now = now();
        try {
            rules.book(app, now, now, true);
        } catch (TrainRefused e) {
            throw refused(e);
        }
        departures.departExpress(line, ticket, rules, now);
        audit.record("train.ticket.express", "train-ticket", ticket.id(), line.tenantId(), Map.of("line", line.id(), "group", ticket.groupId()));
        return ticket;
    }

    @Transactional
    public TrainTicket cancel(UUID lineId, UUID ticketId) {
        em.find(TrainLine.class, lineId, LockModeType.PESSIMISTIC_WRITE);
        TrainTicket ticket = ticket(lineId, ticketId, true);
        if (ticket.state() != TrainTicket.State.BOOKED) {
            throw new ProblemException(ProblemType.CONFLICT, "ticket " + ticketId + " is " + ticket.state()
                    + "; only a booked ticket can be cancelled (roll its release back instead)");
        }
        ticket.moveTo(TrainTicket.State.CANCELLED, now());
        departures.event(ticket.id(), "CANCELLED", ticket.departsAt(), null, actor());
        audit.record("train.ticket.cancelled", "train-ticket", ticket.id(), ticket.tenantId(), Map.of("line", lineId));
        return ticket;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public TrainTicket ticket(UUID lineId, UUID ticketId, boolean lock) {
        TrainTicket t = lock ? em.find(TrainTicket.class, ticketId, LockModeType.PESSIMISTIC_WRITE) : em.find(TrainTicket.class, ticketId);
        if (t == null || !t.lineId().equals(lineId)) {
            throw ProblemException.notFound("ticket", ticketId);
        }
        return t;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<TrainTicket> tickets(UUID lineId) {
        return em.createQuery("from TrainTicket where lineId = ?1 order by createdAt, id", TrainTicket.class).setParameter(1, lineId)
                .getResultList();
    }

    // --- views ---------------------------------------------------------------------------------

    public LineView view(TrainLine l) {
        return new LineView(l.id(), l.tenantId(), l.pool(), l.provider(), l.region(), l.cron(), l.expressAllowed(), l.isolation(),
                TrainCron.parse(l.cron()).departureAtOrAfter(now()), l.createdAt());
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public TicketView view(TrainTicket t) {
        Integer number = t.carriageId() == null ? null : em.find(TrainCarriage.class, t.carriageId()).number();
        return new TicketView(t.id(), t.lineId(), t.tenantId(), t.groupId(), t.versionId(), t.versionName(), t.settings(), t.state(),
                new DepartureRef(number, t.departsAt(), t.express()), t.rebooked(), t.releaseId(), departures.releaseState(t.releaseId()),
                t.failure(), history(t.id()), t.createdAt(), t.updatedAt());
    }

    /** Departed carriages (by number), then the upcoming departures with their booked tickets and the next one of the timetable. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<DepartureView> departuresOf(TrainLine line) {
        List<DepartureView> views = new ArrayList<>();
        for (TrainCarriage c : em.createQuery("from TrainCarriage where lineId = ?1 order by number", TrainCarriage.class)
                .setParameter(1, line.id()).getResultList()) {
            views.add(view(c));
        }
        Map<Instant, List<Passenger>> upcoming = new java.util.TreeMap<>();
        upcoming.put(TrainCron.parse(line.cron()).departureAtOrAfter(now()), new ArrayList<>());
        for (TrainTicket t : departures.booked(line.id())) {
            upcoming.computeIfAbsent(t.departsAt(), d -> new ArrayList<>())
                    .add(new Passenger(t.id(), t.groupId(), t.state(), null, null, null));
        }
        upcoming.forEach((at, tickets) -> views.add(new DepartureView(null, at, false, line.isolation(), "SCHEDULED", null, null, tickets,
                List.of())));
        return views;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<DepartureView> departure(UUID lineId, int number) {
        return em.createQuery("from TrainCarriage where lineId = ?1 and number = ?2", TrainCarriage.class).setParameter(1, lineId)
                .setParameter(2, number).getResultStream().findFirst().map(this::view);
    }

    private DepartureView view(TrainCarriage c) {
        List<Passenger> passengers = new ArrayList<>();
        for (TrainTicket t : em.createQuery("from TrainTicket where carriageId = ?1 order by createdAt, id", TrainTicket.class)
                .setParameter(1, c.id()).getResultList()) {
            passengers.add(new Passenger(t.id(), t.groupId(), t.state(), t.releaseId(), departures.releaseState(t.releaseId()), t.failure()));
        }
        List<Missed> missed = new ArrayList<>();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT e.ticket_id, t.group_id, e.reason, e.departs_at FROM train_ticket_event e JOIN train_ticket t ON t.id = e.ticket_id
                 WHERE e.what = 'REBOOKED' AND t.line_id = ?1 AND e.missed_departure = ?2 ORDER BY e.seq""")
                .setParameter(1, c.lineId()).setParameter(2, c.departsAt()).getResultList();
        for (Object[] r : rows) {
            missed.add(new Missed((UUID) r[0], (UUID) r[1], (String) r[2], instant(r[3])));
        }
        return new DepartureView(c.number(), c.departsAt(), c.express(), c.isolation(), c.state().name(), c.departedAt(), c.finishedAt(),
                passengers, missed);
    }

    private List<TicketEvent> history(UUID ticketId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT what, departs_at, reason, actor, occurred_at FROM train_ticket_event"
                + " WHERE ticket_id = ?1 ORDER BY seq").setParameter(1, ticketId).getResultList();
        return rows.stream().map(r -> new TicketEvent((String) r[0], instant(r[1]), (String) r[2], (String) r[3], instant(r[4]))).toList();
    }

    // --- checks --------------------------------------------------------------------------------

    /**
     * The settings as the release service will take them: its own checks, run now rather than at
     * the departure, with each field named as the ticket has it ({@code release.…}). A workload
     * group's pods are only read at the departure (outside any transaction); until then its size
     * is the workload's replica count.
     */
    private void check(Settings s, ReleaseGroup group, UUID tenantId) {
        Strategy strategy;
        try {
            strategy = s.strategy() == null ? Strategy.ROLLING
                    : Strategy.valueOf(s.strategy().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid("release.strategy", "'" + s.strategy() + "' is not one of ROLLING, RECREATE, CANARY");
        }
        if (strategy.twoGroups()) {
            throw ProblemException.invalid("release.strategy", "'" + s.strategy() + "' needs a standby group beside the ticket's; "
                    + "a carriage releases each app onto its own group: ROLLING, RECREATE or CANARY");
        }
        if (s.batchSize() != null && s.batchPercent() != null) {
            throw ProblemException.invalid("release.batchPercent", "give batchSize or batchPercent, not both");
        }
        if (s.batchPercent() != null && (s.batchPercent() < 1 || s.batchPercent() > 100)) {
            throw ProblemException.invalid("release.batchPercent", s.batchPercent() + " is outside 1..100");
        }
        if (strategy == Strategy.RECREATE) {
            for (var tars : List.of(Map.entry("batchSize", Optional.ofNullable(s.batchSize())),
                    Map.entry("batchPercent", Optional.ofNullable(s.batchPercent())),
                    Map.entry("onlineMinimum", Optional.ofNullable(s.onlineMinimum())), Map.entry("bastion", Optional.ofNullable(s.bastion())))) {
                tars.getValue().ifPresent(v -> {
                    throw ProblemException.invalid("release." + tars.getKey(), "does not apply to a RECREATE release: the whole group is "
                            + "one batch, with no bastion and no online minimum");
                });
            }
        }
        degradeSwitches.resolve(tenantId, Optional.ofNullable(s.degradeSwitches()).orElse(List.of()), "release.degradeSwitches");
        List<String> members = group.kind() == ReleaseGroup.Kind.SERVERS
                ? applications.serverIds(group.id()).stream().map(UUID::toString).toList()
                : java.util.stream.IntStream.range(0, workloadReplicas(group)).mapToObj(i -> "pod-" + i).toList();
        CloudProvider provider = providers.get(group.provider());
        String trafficNote = provider.capability(TrafficControl.class).isEmpty() ? ReleaseService.NO_TRAFFIC_CONTROL
                : group.trafficTarget() == null ? "the group has no traffic target" : null;
        ReleaseViews.CreateRelease request = new ReleaseViews.CreateRelease(null, group.id(), null, strategy.name(), s.batchSize(),
                s.batchPercent(), s.parallelism(), s.brakeRatio(), s.onlineMinimum(), s.bastion(), null, null, null, s.analysis(), s.canary(),
                s.degradeSwitches(), null);
        ReleaseGates.Planned gated;
        try {
            gated = gates.plan(strategy, request, group, provider, members.size(), trafficNote);
        } catch (ProblemException e) {
            throw asTicketField(e);
        }
        int batch = s.batchPercent() != null ? Math.max(1, (int) Math.ceil(s.batchPercent() * members.size() / 100.0 - 1e-9))
                : s.batchSize() != null ? s.batchSize() : 1;
        double brakeRatio = s.brakeRatio() != null ? s.brakeRatio() : 0.2;
        try {
            RolloutPolicy policy = strategy == Strategy.RECREATE
                    ? RolloutPolicy.recreate(members.size(), s.parallelism() != null ? s.parallelism() : Math.max(1, members.size()), brakeRatio)
                    : new RolloutPolicy(batch, s.parallelism() != null ? s.parallelism() : Math.max(1, batch), brakeRatio,
                    s.onlineMinimum() != null ? s.onlineMinimum() : 0.0, s.bastion() != null ? s.bastion() : gated.canary().isEmpty());
            if (!members.isEmpty()) {
                gated.rollout(members, policy);
            } else if (group.kind() == ReleaseGroup.Kind.SERVERS) {
                Rollout.plan(members, policy);
            }
        } catch (InvalidRollout e) {
            String field = e.field().equals("group") || e.field().equals("instances") ? "groupId" : "release." + e.field();
            throw ProblemException.invalid(field, e.getMessage().substring(e.field().length() + 2));
        }
    }

    /** The workload's replicas as Skydeck last recorded them: a workload group's size until its pods are read. */
    private int workloadReplicas(ReleaseGroup group) {
        return workloads.findByIdOptional(group.workloadId()).map(Workload::replicas).orElse(0);
    }

    /** The release service's problem with its fields named as a ticket has them, under {@code release}. */
    private static ProblemException asTicketField(ProblemException e) {
        if (e.errors().isEmpty()) {
            return e;
        }
        List<Problem.FieldError> errors = e.errors().stream().map(f -> new Problem.FieldError("release." + f.field(), f.message())).toList();
        return new ProblemException(e.type(), "release." + e.getMessage(), errors, e.headers());
    }

    private static ProblemException refused(TrainRefused e) {
        String detail = e.getMessage().substring(e.field().length() + 2);
        return new ProblemException(ProblemType.CONFLICT, e.field().equals("app") ? "the group " + detail : detail);
    }

    private String actor() {
        return departures.actor();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof Timestamp ts) {
            return ts.toInstant();
        }
        if (o instanceof java.time.OffsetDateTime odt) {
            return odt.toInstant();
        }
        throw new IllegalStateException("not a time: " + o.getClass());
    }
}
