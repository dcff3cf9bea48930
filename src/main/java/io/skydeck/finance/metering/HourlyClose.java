package io.skydeck.finance.metering;

import io.skydeck.billing.metering.LifecycleEvent;
import io.skydeck.billing.metering.ResourceTimeline;
import io.skydeck.billing.metering.UsageMeter;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.finance.store.UsageRecordStore;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The hourly metering close, incrementally: it meters the lifecycle events committed since the
 * last close and writes only the hours they touch, plus the hours since the last close of the
 * resources still running. Its cost follows the new events and the live resources, not history.
 *
 * <p><b>Which events are new.</b> Every {@code lifecycle_event} row carries the id of the
 * transaction that wrote it ({@code recorded_xid}, migration V17). The {@code metering_watermark}
 * row keeps a <i>horizon</i>: when the last close read the events, every transaction below it had
 * ended. So every event below the horizon has been metered, and the close reads the events at or
 * above it. It reads them in the statement that also takes the next horizon (the oldest
 * transaction still running in that statement's snapshot), so nothing can slip between the two:
 * an event whose transaction was still running is above the next horizon and is read again by the
 * next close, once committed. Events read twice are simply metered twice, with the same result.
 *
 * <p><b>What gets written.</b> For a resource with new events, every hour from the hour of its
 * earliest new event (a late event for an old hour included) up to now is recomputed from all its
 * events, stored under the same deterministic ids ({@link UsageRecord#stableId}) and any record of
 * those hours that no longer has usage is deleted. For a resource still running without new
 * events, the hours from the last close's instant up to now. Nothing before {@code floor} (months
 * that may be invoiced already) is touched. Writes go through {@link UsageRecordStore}: hours that
 * began after the last close are new, so the COPY path; earlier hours were metered before, so
 * straight to the upsert, which leaves an unchanged row untouched.
 *
 * <p><b>Several replicas.</b> The close runs in the caller's transaction and holds the watermark
 * row's lock until it commits, so two closes take turns: the second reads the first's horizon and
 * the events it left. The horizon advances in the same transaction as the writes; a close that
 * fails leaves both as they were. A full recomputation of a tenant's month takes the same row
 * {@code FOR SHARE} ({@link #lockShared}), so it cannot interleave with a close.
 */
public final class HourlyClose {

    /** What one close did. */
    public record Result(long newEvents, int resources, int openResources, long records, long rowsWritten, long rowsDeleted,
                         Instant closedUntil) {
    }

    /** Resources whose events are read in one query. */
    static final int RESOURCES_PER_READ = 2_000;

    private final Clock clock;
    private final UsageRecordStore freshHours;
    private final UsageRecordStore meteredHours;

    public HourlyClose(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.freshHours = new UsageRecordStore(clock);
        this.meteredHours = UsageRecordStore.upsertOnly(clock);
    }

    /** Takes the watermark row for a writer that must not interleave with a close (a full recomputation). */
    public static void lockShared(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM metering_watermark WHERE id = 1 FOR SHARE")) {
            ps.executeQuery().close();
        }
    }

    /**
     * Closes metering up to now, in the caller's transaction ({@code c} must not be in
     * auto-commit mode: the lock and the horizon only mean something until the commit).
     *
     * @param floor no usage before this instant is written (the start of the oldest month still open)
     */
    public Result close(Connection c, Instant floor) throws SQLException {
        if (c.getAutoCommit()) {
            throw new IllegalStateException("the metering close runs in the caller's transaction");
        }
        String horizon;
        Instant closedUntil;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT horizon::text, closed_until FROM metering_watermark WHERE id = 1 FOR UPDATE");
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new IllegalStateException("metering_watermark has no row (migration V17)");
            }
            horizon = rs.getString(1);
            closedUntil = LifecycleRows.instant(rs, "closed_until");
        }
        Instant now = clock.instant();
        Instant openFrom = later(floor, closedUntil == null ? floor : closedUntil.truncatedTo(ChronoUnit.HOURS));

        // Where each resource's recomputation starts: the hour of its earliest new event, or of the last close.
        Map<UUID, Instant> from = new LinkedHashMap<>();
        Set<UUID> withNewEvents = new HashSet<>();
        String nextHorizon;
        long newEvents = 0;
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT h.next::text, n.resource_id, n.first_at, n.events
                FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS next) h
                LEFT JOIN (SELECT resource_id, min(occurred_at) AS first_at, count(*) AS events
                           FROM lifecycle_event WHERE recorded_xid >= ?::xid8 GROUP BY resource_id) n ON true""")) {
            ps.setString(1, horizon);
            try (ResultSet rs = ps.executeQuery()) {
                String next = null;
                while (rs.next()) {
                    next = rs.getString(1);
                    UUID resource = rs.getObject(2, UUID.class);
                    if (resource == null) {
                        continue;
                    }
                    Instant start = later(floor, LifecycleRows.instant(rs, "first_at").truncatedTo(ChronoUnit.HOURS));
                    from.put(resource, start);
                    withNewEvents.add(resource);
                    newEvents += rs.getLong(4);
                }
                nextHorizon = next;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT resource_id FROM metering_open_resource");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                from.merge(rs.getObject(1, UUID.class), openFrom, HourlyClose::earlier);
            }
        }

        List<UsageRecord> records = new ArrayList<>();
        Map<UUID, UUID> stillOpen = new HashMap<>();
        Set<UUID> ended = new HashSet<>();
        Map<String, Instant> replacedFrom = new HashMap<>();
        Set<String> kept = new HashSet<>();
        List<UUID> resources = new ArrayList<>(from.keySet());
        for (int i = 0; i < resources.size(); i += RESOURCES_PER_READ) {
            List<UUID> batch = resources.subList(i, Math.min(resources.size(), i + RESOURCES_PER_READ));
            List<LifecycleEvent> events = LifecycleRows.ofResources(c, batch);
            int at = 0;
            while (at < events.size()) {
                int end = at;
                String resourceId = events.get(at).resourceId();
                while (end < events.size() && events.get(end).resourceId().equals(resourceId)) {
                    end++;
                }
                ResourceTimeline timeline = ResourceTimeline.of(events.subList(at, end));
                at = end;
                UUID resource = UUID.fromString(resourceId);
                Instant start = from.get(resource);
                if (isOpen(timeline)) {
                    stillOpen.put(resource, UUID.fromString(timeline.identity().tenantId()));
                } else {
                    ended.add(resource);
                }
                if (start.isBefore(now)) {
                    for (UsageRecord r : UsageMeter.meter(timeline, start, now, now)) {
                        records.add(r);
                        kept.add(r.id());
                    }
                }
                if (withNewEvents.contains(resource)) {
                    replacedFrom.put(resourceId, start);
                }
            }
        }

        long deleted = deleteVanished(c, replacedFrom, kept);
        long written = write(c, records, closedUntil);
        rememberOpen(c, stillOpen, ended);
        Instant until = closedUntil != null && closedUntil.isAfter(now) ? closedUntil : now;
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE metering_watermark SET horizon = greatest(horizon, ?::xid8), closed_until = ? WHERE id = 1")) {
            ps.setString(1, nextHorizon);
            ps.setObject(2, LifecycleRows.utc(until));
            ps.executeUpdate();
        }
        return new Result(newEvents, from.size(), stillOpen.size(), records.size(), written, deleted, until);
    }

    /**
     * Writes metered records as the close does, in the caller's transaction: hours that began after
     * {@code closedUntil} (the last close's instant; all of them when null) cannot have been stored
     * by a close, so they take the store's COPY path; earlier hours were most likely metered before
     * (the hour running at the last close, hours a late event reopened) and go straight to the upsert.
     *
     * @return rows inserted or changed
     */
    public long write(Connection c, List<UsageRecord> records, Instant closedUntil) throws SQLException {
        List<UsageRecord> fresh = new ArrayList<>();
        List<UsageRecord> metered = new ArrayList<>();
        for (UsageRecord r : records) {
            (closedUntil == null || r.start().isAfter(closedUntil) ? fresh : metered).add(r);
        }
        return meteredHours.store(c, metered.iterator()) + freshHours.store(c, fresh.iterator());
    }

    /** Still accruing: its last segment has no end (created or started, not deleted). */
    private static boolean isOpen(ResourceTimeline timeline) {
        List<ResourceTimeline.Segment> segments = timeline.segments();
        return !segments.isEmpty() && segments.get(segments.size() - 1).end() == null;
    }

    /**
     * Deletes the stored records, in the recomputed hours of resources with new events, that the
     * recomputation no longer produced (a late stop or delete took their usage away).
     */
    private static long deleteVanished(Connection c, Map<String, Instant> replacedFrom, Set<String> kept) throws SQLException {
        if (replacedFrom.isEmpty()) {
            return 0;
        }
        List<UUID> vanished = new ArrayList<>();
        String[] ids = replacedFrom.keySet().toArray(String[]::new);
        String[] hours = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            hours[i] = replacedFrom.get(ids[i]).toString();
        }
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT u.id FROM usage_record u
                JOIN unnest(?::varchar[], ?::text[]::timestamptz[]) AS w(resource_id, from_hour)
                  ON u.resource_id = w.resource_id AND u.period_start >= w.from_hour""")) {
            Array resourceArray = c.createArrayOf("varchar", ids);
            Array hourArray = c.createArrayOf("text", hours);
            ps.setArray(1, resourceArray);
            ps.setArray(2, hourArray);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID id = rs.getObject(1, UUID.class);
                    if (!kept.contains(id.toString())) {
                        vanished.add(id);
                    }
                }
            }
        }
        if (vanished.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM usage_record WHERE id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", vanished.toArray()));
            return ps.executeUpdate();
        }
    }

    private static void rememberOpen(Connection c, Map<UUID, UUID> open, Set<UUID> ended) throws SQLException {
        if (!ended.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM metering_open_resource WHERE resource_id = ANY (?)")) {
                ps.setArray(1, c.createArrayOf("uuid", ended.toArray()));
                ps.executeUpdate();
            }
        }
        if (!open.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO metering_open_resource (resource_id, tenant_id)
                    SELECT * FROM unnest(?::uuid[], ?::uuid[]) ON CONFLICT (resource_id) DO NOTHING""")) {
                ps.setArray(1, c.createArrayOf("uuid", open.keySet().toArray()));
                ps.setArray(2, c.createArrayOf("uuid", open.values().toArray()));
                ps.executeUpdate();
            }
        }
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
