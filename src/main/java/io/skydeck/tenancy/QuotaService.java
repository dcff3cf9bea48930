package io.skydeck.tenancy;

import io.skydeck.platform.appends.Appends;
import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.config.SkydeckConfig;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.Problem;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Quota limits, usage and reservations.
 *
 * <p>A tenant's usage of each resource is kept in {@link #SHARES} shares ({@code quota_share},
 * V60), whose rooms add up to the limit; a reservation picks one share at random and its charge
 * moves that share only, each resource only while the share has room ({@code quota_charge}). A
 * share without room takes the limit's free part from the others ({@code quota_respread}, under
 * the resource's quota row lock, every share locked in order), and the charge is refused only when
 * the usage summed over all shares cannot take it. So the usage never passes the limit, and
 * concurrent creates of one tenant queue on one share's rows (one in eight), not on the tenant's.
 * Rows are always locked in enum order, so two reservations (or a reservation and a release)
 * cannot deadlock each other.
 */
@ApplicationScoped
public class QuotaService {

    /** The {@code quota} rows have no entity: their conditional UPDATEs are the lock that keeps usage within limits. */
    @Inject
    EntityManager em;

    @Inject
    Appends appends;

    @Inject
    TenantRepository tenantRepository;

    @Inject
    QuotaReservationRepository reservationRepository;

    @Inject
    AuditLog audit;

    @Inject
    SkydeckConfig config;

    @Inject
    Clock clock;

    /** Shares of a tenant's usage of each resource: as many as V60 made for every tenant. */
    static final int SHARES = 8;

    /** Limits, usage and what is left, per resource. */
    public record Usage(QuotaAmounts limits, QuotaAmounts used) {
        public QuotaAmounts available() {
            Map<QuotaDimension, Long> left = new EnumMap<>(QuotaDimension.class);
            for (QuotaDimension r : QuotaDimension.values()) {
                left.put(r, Math.max(0, limits.of(r) - used.of(r)));
            }
            return QuotaAmounts.from(left);
        }

        /** Changes whenever an admin changes a limit (usage moving does not make a limit update stale). */
        public String etag() {
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(limits.toString().getBytes(StandardCharsets.UTF_8));
                return "\"" + HexFormat.of().formatHex(digest, 0, 8) + "\"";
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    QuotaAmounts initialize(UUID tenantId, Optional<QuotaAmounts> limits) {
        var d = config.quota().defaults();
        QuotaAmounts initial = limits.orElse(new QuotaAmounts(d.vcpu(), d.memoryGib(), d.servers(), d.workloads(), d.publicIps(), d.networks()));
        for (QuotaDimension r : QuotaDimension.values()) {
            em.createNativeQuery("INSERT INTO quota (tenant_id, resource, hard_limit) VALUES (?1, ?2, ?3)")
                    .setParameter(1, tenantId).setParameter(2, r.key()).setParameter(3, initial.of(r))
                    .executeUpdate();
            em.createNativeQuery("INSERT INTO quota_share (tenant_id, resource, share, room, used)"
                            + " SELECT ?1, ?2, s, ?3 / ?4 + CASE WHEN s = 0 THEN ?3 % ?4 ELSE 0 END, 0 FROM generate_series(0, ?4 - 1) AS s")
                    .setParameter(1, tenantId).setParameter(2, r.key()).setParameter(3, initial.of(r)).setParameter(4, SHARES)
                    .executeUpdate();
        }
        return initial;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Usage usage(UUID tenantId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("SELECT q.resource, q.hard_limit, (SELECT coalesce(sum(s.used), 0) FROM quota_share s"
                        + " WHERE s.tenant_id = q.tenant_id AND s.resource = q.resource) FROM quota q WHERE q.tenant_id = ?1")
                .setParameter(1, tenantId).getResultList();
        Map<QuotaDimension, Long> limits = new EnumMap<>(QuotaDimension.class);
        Map<QuotaDimension, Long> used = new EnumMap<>(QuotaDimension.class);
        for (Object[] row : rows) {
            QuotaDimension r = resource((String) row[0]);
            limits.put(r, ((Number) row[1]).longValue());
            used.put(r, ((Number) row[2]).longValue());
        }
        return new Usage(QuotaAmounts.from(limits), QuotaAmounts.from(used));
    }

    @Transactional
    public Usage setLimits(Tenant tenant, QuotaAmounts limits, String ifMatch) {
        // Lock the tenant row so two admins changing limits are serialised and If-Match is honest.
        tenantRepository.findById(tenant.id(), LockModeType.PESSIMISTIC_WRITE);
        Usage before = usage(tenant.id());
        if (ifMatch != null && !ifMatch.isBlank() && !ifMatch.trim().equals("*") && !ifMatch.trim().equals(before.etag())) {
            throw new ProblemException(ProblemType.PRECONDITION_FAILED,
                    "If-Match " + ifMatch + " does not match the current quota " + before.etag());
        }
        for (QuotaDimension r : QuotaDimension.values()) {
            em.createNativeQuery("UPDATE quota SET hard_limit = ?1 WHERE tenant_id = ?2 AND resource = ?3")
                    .setParameter(1, limits.of(r)).setParameter(2, tenant.id()).setParameter(3, r.key())
                    .executeUpdate();
            // The shares' rooms follow the new limit (clamped to their usage if it is now over it).
            em.createNativeQuery("SELECT quota_respread(?1, ?2, 0, 0)").setParameter(1, tenant.id()).setParameter(2, r.key())
                    .getSingleResult();
        }
        audit.record("quota.updated", "quota", tenant.id(), tenant.id(), Map.of("from", before.limits(), "to", limits));
        return usage(tenant.id());
    }

    /** Reserves {@code amounts} for {@code purpose}: {@link #hold} and then {@link #charge}, one after the other. */
    @Transactional
    public QuotaReservation reserve(Tenant tenant, String purpose, QuotaAmounts amounts) {
        QuotaReservation reservation = hold(tenant, purpose, amounts);
        charge(reservation);
        return reservation;
    }

    /**
     * The first half of a reservation: checks the tenant and the amounts and writes the reservation
     * row (HELD, audited), without touching the tenant's counters, so no quota row is locked yet.
     * The caller must {@link #charge} it in the same transaction before it commits; a reservation
     * held and not charged would give back at its release what it never took. Creates use the two
     * halves apart so that the tenant's quota rows, on which every create of the tenant queues, are
     * locked only for the end of the transaction ({@code Provisioning}).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public QuotaReservation hold(Tenant tenant, String purpose, QuotaAmounts amounts) {
        if (tenant.status() != Tenant.Status.ACTIVE) {
            throw new ProblemException(ProblemType.CONFLICT, "tenant '" + tenant.name() + "' is suspended");
        }
        if (amounts.isZero()) {
            throw ProblemException.invalid("amounts", "reserve at least one unit of one resource");
        }
        QuotaReservation reservation = new QuotaReservation(UUID.randomUUID(), tenant.id(), purpose, amounts,
                java.util.concurrent.ThreadLocalRandom.current().nextInt(SHARES), now());
        reservationRepository.persistAndFlush(reservation);
        audit.record("quota.reserved", "quota-reservation", reservation.id(), tenant.id(),
                Map.of("purpose", purpose, "amounts", amounts));
        return reservation;
    }

    /**
     * The second half: moves the tenant's counters by the held reservation's amounts, each only
     * while it stays within its limit; a resource that would pass its limit is a
     * {@code QUOTA_EXCEEDED} problem, and the caller's transaction (the held row with it) rolls
     * back. From here to the commit the tenant's quota rows are locked.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void charge(QuotaReservation reservation) {
        chargeAtEnd(reservation);
        appends.write();
    }

    /**
     * As {@link #charge}, queued ({@link Appends#checkLast}) to go to PostgreSQL after whatever the
     * transaction queued before it (the provisioning pipeline's rows and the ledger's host check)
     * and after whatever it queues later (an idempotent request's stored response): in a {@link
     * Appends#transaction}, the COMMIT follows it in the same round trip. PostgreSQL refuses
     * ({@code quota_charge}, V55); the refusal is thrown as {@code QUOTA_EXCEEDED} by whatever sends it.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void chargeAtEnd(QuotaReservation reservation) {
        QuotaAmounts amounts = reservation.amounts();
        List<String> resources = new java.util.ArrayList<>();
        List<Long> values = new java.util.ArrayList<>();
        // In enum order, as every release locks them: no two charges or releases wait on each other crosswise.
        for (QuotaDimension r : QuotaDimension.values()) {
            if (amounts.of(r) > 0) {
                resources.add(r.key());
                values.add(amounts.of(r));
            }
        }
        appends.checkLast(EXCEEDED, "SELECT quota_charge(?, CAST(? AS text[]), CAST(? AS bigint[]), ?)", reservation.tenantId(),
                resources.toArray(String[]::new), values.toArray(Long[]::new), reservation.share());
    }

    /** PostgreSQL's refusal of a charge: the resource that would pass its limit as the column, what is in use as the message. */
    private static final Appends.Refusal EXCEEDED = new Appends.Refusal("SKQ01", error -> {
        String resource = error.getColumn();
        String message = error.getMessage();
        return new ProblemException(ProblemType.QUOTA_EXCEEDED, resource + ": " + message,
                List.of(new Problem.FieldError(resource, message)), Map.of());
    });

    /** Gives the reservation's amounts back; releasing a released reservation changes nothing. */
    @Transactional
    public QuotaReservation release(QuotaReservation reservation) {
        QuotaReservation managed = reservationRepository.findById(reservation.id(), LockModeType.PESSIMISTIC_WRITE);
        if (!managed.release(now())) {
            return managed;
        }
        QuotaAmounts amounts = managed.amounts();
        giveBack(managed.tenantId(), managed.share(), amounts);
        reservationRepository.flush();
        audit.record("quota.released", "quota-reservation", managed.id(), managed.tenantId(), Map.of("amounts", amounts));
        return managed;
    }

    /** Releases the reservation with this id, if there is one; a null id is nothing to release. */
    @Transactional
    public void release(UUID reservationId) {
        if (reservationId != null) {
            findReservation(reservationId).ifPresent(this::release);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<QuotaReservation> findReservation(UUID id) {
        return reservationRepository.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<QuotaReservation> reservations(UUID tenantId, Optional<QuotaReservation.State> state, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", Optional.of(tenantId)).where("state", state)
                .page(reservationRepository, page);
    }

    public static Cursor position(QuotaReservation r) {
        return new Cursor(r.createdAt(), r.id());
    }

    /**
     * Moves the usage of every resource in {@code amounts} down by its amount on the share the
     * reservation charged, in one statement (a clamped share's room with it: V60). Rows are locked
     * first, in enum order (the CTE's {@code ORDER BY … FOR UPDATE}, which the update waits for) —
     * the order {@code quota_charge} takes them in — so charges and releases of one tenant queue
     * rather than deadlock.
     */
    private void giveBack(UUID tenantId, int share, QuotaAmounts amounts) {
        StringBuilder wanted = new StringBuilder();
        List<Object> values = new java.util.ArrayList<>();
        for (QuotaDimension r : QuotaDimension.values()) {
            if (amounts.of(r) > 0) {
                wanted.append(values.isEmpty() ? "" : ", ").append("(?, ?, ?)");
                values.add(r.ordinal());
                values.add(r.key());
                values.add(amounts.of(r));
            }
        }
        if (values.isEmpty()) {
            return;
        }
        values.addAll(List.of(tenantId, share, tenantId, share));
        appends.askLast(Statement::getUpdateCount, "WITH wanted(ord, resource, n) AS (VALUES " + wanted + "),"
                + " locked AS (SELECT q.resource FROM quota_share q JOIN wanted w ON w.resource = q.resource"
                + " WHERE q.tenant_id = ? AND q.share = ? ORDER BY w.ord FOR UPDATE OF q)"
                + " UPDATE quota_share q SET used = q.used - w.n, room = q.room - CASE WHEN q.clamped THEN w.n ELSE 0 END"
                + " FROM wanted w WHERE q.tenant_id = ? AND q.share = ? AND q.resource = w.resource"
                + " AND q.resource IN (SELECT resource FROM locked)",
                values.toArray()).get();
    }

    private static QuotaDimension resource(String key) {
        for (QuotaDimension r : QuotaDimension.values()) {
            if (r.key().equals(key)) {
                return r;
            }
        }
        throw new IllegalStateException("unknown quota resource in the database: " + key);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
