package io.skydeck.billing.metering;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The reference, in-memory metering store: accepts events idempotently and keeps the closed
 * usage of each tenant and period. The service keeps the same two tables in PostgreSQL and uses
 * {@link UsageMeter#meterAll} for the computation; this class pins the semantics down in tests.
 *
 * <p>Stored records of a period are only ever replaced as a whole (close or reprocess) by a
 * recomputation from all events, never patched; since record ids are stable, a replacement of an
 * unchanged period is a no-op and nothing can be counted twice.
 */
public final class MeteringLedger {

    private record PeriodKey(String tenantId, BillingPeriod period) {
    }

    private final Clock clock;
    private final Map<String, LifecycleEvent> eventsById = new HashMap<>();
    private final Map<String, List<LifecycleEvent>> eventsByTenant = new HashMap<>();
    private final Map<PeriodKey, List<UsageRecord>> closed = new HashMap<>();
    private final List<Reprocessing> reprocessings = new ArrayList<>();

    public MeteringLedger(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Records an event. Returns {@code false} when the event id was seen before (a replay);
     * the same id with different content is a producer bug and is refused.
     */
    public synchronized boolean accept(LifecycleEvent event) {
        LifecycleEvent seen = eventsById.putIfAbsent(event.eventId(), event);
        if (seen != null) {
            if (!seen.equals(event)) {
                throw new IllegalArgumentException("event id " + event.eventId() + " reused with different content");
            }
            return false;
        }
        eventsByTenant.computeIfAbsent(event.tenantId(), k -> new ArrayList<>()).add(event);
        return true;
    }

    /** Live usage of the period up to now; not stored. */
    public synchronized List<UsageRecord> currentUsage(String tenantId, BillingPeriod period) {
        return UsageMeter.meterAll(eventsByTenant.getOrDefault(tenantId, List.of()), period.start(), period.end(), clock.instant());
    }

    /** Computes the period's usage and stores it, replacing whatever was stored before. */
    public synchronized List<UsageRecord> close(String tenantId, BillingPeriod period) {
        List<UsageRecord> records = currentUsage(tenantId, period);
        closed.put(new PeriodKey(tenantId, period), records);
        return records;
    }

    /**
     * Recomputes a tenant's period from all its events (including late ones) and replaces its
     * stored records; the reason is kept with the result.
     */
    public synchronized Reprocessing reprocess(String tenantId, BillingPeriod period, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("reprocessing needs a reason");
        }
        Map<String, UsageRecord> before = index(closed.getOrDefault(new PeriodKey(tenantId, period), List.of()));
        Map<String, UsageRecord> after = index(close(tenantId, period));
        List<String> removed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        before.keySet().stream().filter(id -> !after.containsKey(id)).forEach(removed::add);
        after.forEach((id, r) -> {
            UsageRecord old = before.get(id);
            if (old == null) {
                added.add(id);
            } else if (!old.equals(r)) {
                changed.add(id);
            }
        });
        Instant at = clock.instant();
        Reprocessing result = new Reprocessing(tenantId, period, reason, at,
                sorted(removed), sorted(added), sorted(changed));
        reprocessings.add(result);
        return result;
    }

    public synchronized Optional<List<UsageRecord>> storedUsage(String tenantId, BillingPeriod period) {
        return Optional.ofNullable(closed.get(new PeriodKey(tenantId, period)));
    }

    public synchronized List<Reprocessing> reprocessings() {
        return List.copyOf(reprocessings);
    }

    private static Map<String, UsageRecord> index(List<UsageRecord> records) {
        Map<String, UsageRecord> m = new LinkedHashMap<>();
        for (UsageRecord r : records) {
            if (m.put(r.id(), r) != null) {
                throw new IllegalStateException("duplicate usage record id " + r.id());
            }
        }
        return m;
    }

    private static List<String> sorted(List<String> ids) {
        ids.sort(Comparator.naturalOrder());
        return List.copyOf(ids);
    }
}
