package io.skydeck.release;

import io.skydeck.platform.audit.AuditLog;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.KeysetQuery;
import io.skydeck.platform.paging.PageRequest;
import io.skydeck.platform.problem.ProblemException;
import io.skydeck.platform.problem.ProblemType;
import io.skydeck.tenancy.Tenant;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Degrade switches: created and turned by people, held by releases.
 *
 * <p>A release calls {@link #holdForRelease} when it starts and {@link #restoreAfterRelease} when
 * it ends, whether it succeeded, was rolled back or aborted. Both are idempotent and keep nothing
 * in memory — the holds are rows — so a driver that dies half-way and is resumed by another
 * replica, or after a restart, simply calls them again. Every change locks the switch's row
 * (in id order, so two releases sharing switches cannot deadlock): a hold, a restore and a
 * person's change of one switch happen one after another, never interleaved.
 *
 * <p>Several releases may hold one switch; it goes back to its state from before the first of
 * them only when the last one ends. A person who turns a held switch by hand overrides the holds:
 * the releases later leave that switch as the person set it.
 */
@ApplicationScoped
public class DegradeSwitchService {

    static final int REASON_MAX = 500;

    @Inject
    DegradeSwitchRepository switches;

    @Inject
    DegradeSwitchHoldRepository holds;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    /** What a release's call changed: the switches as they are now, and which of them it turned. */
    public record Holding(UUID releaseId, List<DegradeSwitch> switches, List<UUID> turned) {
        public Holding {
            switches = List.copyOf(switches);
            turned = List.copyOf(turned);
        }
    }

    @Transactional
    public DegradeSwitch create(Tenant tenant, String name, String dependency, String description, String actor) {
        if (switches.count("tenantId = ?1 and name = ?2", tenant.id(), name) > 0) {
            throw new ProblemException(ProblemType.CONFLICT,
                    "tenant '" + tenant.name() + "' already has a degrade switch named '" + name + "'");
        }
        DegradeSwitch created = new DegradeSwitch(UUID.randomUUID(), tenant.id(), name, dependency, description, actor, now());
        switches.persistAndFlush(created);
        audit.record("degrade-switch.created", "degrade-switch", created.id(), tenant.id(),
                Map.of("name", name, "dependency", dependency));
        return created;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<DegradeSwitch> find(UUID id) {
        return switches.findByIdOptional(id);
    }

    /** @param tenantId empty lists every tenant's switches (operators only) */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<DegradeSwitch> list(Optional<UUID> tenantId, Optional<String> dependency, PageRequest page) {
        return KeysetQuery.byCreation().where("tenantId", tenantId).where("dependency", dependency).page(switches, page);
    }

    /** The releases holding each of {@code switchIds}, oldest hold first; switches nobody holds are absent. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<UUID, List<UUID>> holders(Collection<UUID> switchIds) {
        return holds.activeOn(switchIds).stream().collect(Collectors.groupingBy(DegradeSwitchHold::switchId,
                LinkedHashMap::new, Collectors.mapping(DegradeSwitchHold::releaseId, Collectors.toList())));
    }

    /**
     * The switches a release request names, by id or by name, each the tenant's own: 400 naming
     * {@code field} for one that is not (another tenant's switch is as unknown as a missing one).
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<UUID> resolve(UUID tenantId, Collection<String> references, String field) {
        Set<UUID> ids = new LinkedHashSet<>();
        for (String reference : references) {
            if (reference == null || reference.isBlank()) {
                throw ProblemException.invalid(field, "names an empty degrade switch");
            }
            Optional<DegradeSwitch> found = asUuid(reference.trim()).flatMap(switches::findByIdOptional)
                    .or(() -> switches.find("tenantId = ?1 and name = ?2", tenantId, reference.trim()).firstResultOptional())
                    .filter(s -> s.tenantId().equals(tenantId));
            ids.add(found.orElseThrow(() -> ProblemException.invalid(field, "'" + reference + "' is not a degrade switch of this tenant"))
                    .id());
        }
        return List.copyOf(ids);
    }

    /** The switches a release holds or held, as its view shows them. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ReleaseViews.HeldSwitch> heldFor(UUID releaseId) {
        List<ReleaseViews.HeldSwitch> shown = new ArrayList<>();
        for (DegradeSwitchHold h : holds.allOf(releaseId)) {
            DegradeSwitch s = switches.findById(h.switchId());
            String hold = h.active() ? "HELD" : h.endedHow().name();
            shown.add(new ReleaseViews.HeldSwitch(s.id(), s.name(), s.dependency(), s.isOn() ? "ON" : "OFF", hold, h.takenAt(),
                    h.endedAt()));
        }
        return shown;
    }

    private static Optional<UUID> asUuid(String text) {
        try {
            return Optional.of(UUID.fromString(text));
        } catch (IllegalArgumentException notAnId) {
            return Optional.empty();
        }
    }

    /** The holds {@code releaseId} has not given back yet. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<DegradeSwitchHold> heldBy(UUID releaseId) {
        return holds.activeOf(releaseId);
    }

    /**
     * A person turns a switch on or off. Turning a switch held by releases overrides their holds
     * (they will not restore it), even when the state stays the same; turning an unheld switch to
     * the state it is in changes nothing and records nothing.
     */
    @Transactional
    public DegradeSwitch turn(UUID switchId, boolean on, String actor, String reason) {
        DegradeSwitch locked = lock(switchId).orElseThrow(() -> ProblemException.notFound("degrade switch", switchId));
        List<DegradeSwitchHold> overridden = holds.activeOn(switchId);
        if (locked.isOn() == on && overridden.isEmpty()) {
            return locked;
        }
        Instant now = now();
        overridden.forEach(h -> h.end(DegradeSwitchHold.Ending.OVERRIDDEN, now));
        locked.turn(on, actor, reason, now);
        switches.flush();
        audit.record(on ? "degrade-switch.turned-on" : "degrade-switch.turned-off", "degrade-switch", locked.id(),
                locked.tenantId(), Map.of("reason", reason,
                        "overriddenReleases", overridden.stream().map(h -> h.releaseId().toString()).toList()));
        return locked;
    }

    /**
     * Turns {@code switchIds} on for a release, recording the release as their holder and each
     * switch's state before it, so {@link #restoreAfterRelease} can give it back. All or nothing:
     * a switch that does not exist or is another tenant's refuses the whole call. Idempotent per
     * (release, switch): a switch this release already held — even one since restored or
     * overridden — is left alone, so a driver replaying its start after a crash changes nothing.
     *
     * @param reason shown as the switches' "why"; empty: "held by release …"
     */
    @Transactional
    public Holding holdForRelease(UUID tenantId, UUID releaseId, Collection<UUID> switchIds, Optional<String> reason) {
        String why = reason.filter(r -> !r.isBlank()).orElse("held by release " + releaseId);
        if (why.length() > REASON_MAX) {
            throw ProblemException.invalid("reason", "at most " + REASON_MAX + " characters");
        }
        Instant now = now();
        List<DegradeSwitch> result = new ArrayList<>();
        List<UUID> turned = new ArrayList<>();
        for (UUID id : new TreeSet<>(switchIds)) {
            DegradeSwitch locked = lock(id).filter(s -> s.tenantId().equals(tenantId))
                    .orElseThrow(() -> ProblemException.notFound("degrade switch", id));
            result.add(locked);
            if (holds.exists(releaseId, id)) {
                continue;
            }
            List<DegradeSwitchHold> others = holds.activeOn(id);
            boolean wasOn = locked.isOn();
            // with other releases holding it, the state to give back is the one from before the first of them
            boolean base = others.isEmpty() ? wasOn : others.get(0).baseOn();
            holds.persist(new DegradeSwitchHold(UUID.randomUUID(), locked, releaseId, base, why, now));
            if (!wasOn) {
                locked.turn(true, holder(releaseId), why, now);
                turned.add(id);
            }
            audit.record("degrade-switch.held", "degrade-switch", id, tenantId, Map.of("releaseId", releaseId.toString(),
                    "reason", why, "turnedOn", !wasOn));
        }
        switches.flush();
        return new Holding(releaseId, result, turned);
    }

    /**
     * Gives back every switch {@code releaseId} holds: each goes back to its state from before
     * any release held it, unless another release still holds it (then it stays on) or a person
     * overrode the hold (then the release no longer holds it). Idempotent: a second call finds
     * nothing held and changes nothing.
     */
    @Transactional
    public Holding restoreAfterRelease(UUID releaseId) {
        List<UUID> held = switches.getEntityManager().createQuery(
                        "select h.switchId from DegradeSwitchHold h where h.releaseId = ?1 and h.endedAt is null", UUID.class)
                .setParameter(1, releaseId).getResultList();
        Instant now = now();
        List<DegradeSwitch> result = new ArrayList<>();
        List<UUID> turned = new ArrayList<>();
        for (UUID id : new TreeSet<>(held)) {
            DegradeSwitch locked = lock(id).orElseThrow();
            // read under the switch's lock: a person may have overridden the hold since the list above
            List<DegradeSwitchHold> active = holds.activeOn(id);
            Optional<DegradeSwitchHold> mine = active.stream().filter(h -> h.releaseId().equals(releaseId)).findFirst();
            if (mine.isEmpty()) {
                continue;
            }
            mine.get().end(DegradeSwitchHold.Ending.RESTORED, now);
            List<UUID> stillHolding = active.stream().map(DegradeSwitchHold::releaseId).filter(r -> !r.equals(releaseId)).toList();
            boolean restoreTo = stillHolding.isEmpty() ? mine.get().baseOn() : true;
            if (locked.isOn() != restoreTo) {
                locked.turn(restoreTo, holder(releaseId), "restored to its state before release " + releaseId, now);
                turned.add(id);
            }
            result.add(locked);
            audit.record("degrade-switch.restored", "degrade-switch", id, locked.tenantId(), Map.of(
                    "releaseId", releaseId.toString(), "on", locked.isOn(),
                    "stillHeldBy", stillHolding.stream().map(UUID::toString).toList()));
        }
        switches.flush();
        return new Holding(releaseId, result, turned);
    }

    /** How a release appears as the one who changed a switch. */
    public static String holder(UUID releaseId) {
        return "release:" + releaseId;
    }

    public static Cursor position(DegradeSwitch s) {
        return new Cursor(s.createdAt(), s.id());
    }

    private Optional<DegradeSwitch> lock(UUID id) {
        return Optional.ofNullable(switches.findById(id, LockModeType.PESSIMISTIC_WRITE));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
