package io.skydeck.finance.usage;

import io.agroal.api.AgroalDataSource;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageMeter;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.finance.SqlTime;
import io.skydeck.finance.metering.HourlyClose;
import io.skydeck.finance.metering.LifecycleRows;
import io.skydeck.finance.store.UsageRecordStore;
import io.skydeck.platform.paging.Cursor;
import io.skydeck.platform.paging.PageRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Metered usage in PostgreSQL: {@link UsageMeter} over the stored lifecycle events, written to
 * {@code usage_record}.
 *
 * <p>Two ways in, both writing through {@link UsageRecordStore}: the hourly close
 * ({@link #closeHour}, see {@link HourlyClose}) meters only what arrived since the last close;
 * a reprocessing ({@link #close}) recomputes a tenant's whole period from all of its events. Record
 * ids are derived from (tenant, resource, meter, flavor, hour), so recomputing an unchanged hour
 * rewrites nothing and nothing can be counted twice.
 */
@ApplicationScoped
public class UsageLedger {

    /** What one close changed, by usage record id. */
    public record Closed(UUID tenantId, BillingPeriod period, int records, int added, int removed, int changed) {
    }

    /** A stored usage record and the period it belongs to. */
    public record StoredUsage(UsageRecord record, String billingPeriod, Instant meteredAt) {
    }

    @Inject
    AgroalDataSource dataSource;

    @Inject
    Clock clock;

    /**
     * The hourly close: meters the events that arrived since the last close, in the caller's
     * transaction (or one of its own), never writing usage before {@code floor}.
     */
    @Transactional
    public HourlyClose.Result closeHour(Instant floor) {
        try (Connection c = dataSource.getConnection()) {
            return new HourlyClose(clock).close(c, floor);
        } catch (SQLException e) {
            throw new IllegalStateException("metering close failed", e);
        }
    }

    /** Recomputes the tenant's period up to now from all its events and replaces what was stored for it. */
    @Transactional
    public Closed close(UUID tenantId, BillingPeriod period) {
        try (Connection c = dataSource.getConnection()) {
            HourlyClose.lockShared(c);
            lockPeriod(c, tenantId, period);
            Instant now = clock.instant();
            List<UsageRecord> records = UsageMeter.meterAll(LifecycleRows.ofPeriod(c, tenantId, period), period.start(), period.end(), now);
            Map<String, BigDecimal> before = storedQuantities(c, tenantId, period);
            int added = 0;
            int changed = 0;
            for (UsageRecord r : records) {
                BigDecimal old = before.remove(r.id());
                if (old == null) {
                    added++;
                } else if (old.compareTo(r.quantity()) != 0) {
                    changed++;
                }
            }
            // What is left in before is no longer metered (a late stop or delete took it away).
            try (PreparedStatement delete = c.prepareStatement("DELETE FROM usage_record WHERE id = ANY (?)")) {
                delete.setArray(1, c.createArrayOf("uuid", before.keySet().stream().map(UUID::fromString).toArray()));
                delete.executeUpdate();
            }
            UsageRecordStore.upsertOnly(clock).store(c, records.iterator());
            return new Closed(tenantId, period, records.size(), added, before.size(), changed);
        } catch (SQLException e) {
            throw new IllegalStateException("metering " + tenantId + " " + period + " failed", e);
        }
    }

    /** Tenants with events that can bill in the period (the metering job closes each of them). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<UUID> tenantsWithEvents(BillingPeriod period) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT DISTINCT tenant_id FROM lifecycle_event WHERE occurred_at < ? ORDER BY tenant_id")) {
            ps.setObject(1, SqlTime.utc(period.end()));
            List<UUID> tenants = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tenants.add(rs.getObject(1, UUID.class));
                }
            }
            return tenants;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list tenants with events", e);
        }
    }

    /** The stored records of a tenant's period, in hour order: the input of rating. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<UsageRecord> stored(UUID tenantId, BillingPeriod period) {
        List<UsageRecord> out = new ArrayList<>();
        list(Optional.of(tenantId), Optional.of(period), Optional.empty(), Optional.empty(), Integer.MAX_VALUE)
                .forEach(s -> out.add(s.record()));
        return out;
    }

    /** A page of stored usage ordered by (hour, id), {@code limit + 1} rows at most. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<StoredUsage> list(Optional<UUID> tenantId, Optional<BillingPeriod> period, Optional<Meter> meter, PageRequest page) {
        return list(tenantId, period, meter, page.after(), page.limit() + 1);
    }

    public static Cursor position(StoredUsage s) {
        return new Cursor(s.record().start(), UUID.fromString(s.record().id()));
    }

    private List<StoredUsage> list(Optional<UUID> tenantId, Optional<BillingPeriod> period, Optional<Meter> meter,
                                   Optional<Cursor> after, int limit) {
        StringBuilder sql = new StringBuilder("""
                SELECT id, tenant_id, resource_id, provider_resource_id, provider, region, meter, flavor, period_start,
                       period_end, seconds, quantity, billing_period, metered_at
                FROM usage_record WHERE true""");
        List<Object> args = new ArrayList<>();
        tenantId.ifPresent(t -> {
            sql.append(" AND tenant_id = ?");
            args.add(t);
        });
        period.ifPresent(p -> {
            sql.append(" AND billing_period = ?");
            args.add(p.toString());
        });
        meter.ifPresent(m -> {
            sql.append(" AND meter = ?");
            args.add(m.name());
        });
        after.ifPresent(c -> {
            sql.append(" AND (period_start, id) > (?, ?)");
            args.add(SqlTime.utc(c.createdAt()));
            args.add(c.id());
        });
        sql.append(" ORDER BY period_start, id LIMIT ").append(limit);
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                ps.setObject(i + 1, args.get(i));
            }
            ps.setFetchSize(1000);
            List<StoredUsage> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new StoredUsage(toRecord(rs), rs.getString("billing_period"), SqlTime.instant(rs, "metered_at")));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read usage", e);
        }
    }

    public static UsageRecord toRecord(ResultSet rs) throws SQLException {
        String flavor = rs.getString("flavor");
        return new UsageRecord(rs.getObject("id").toString(), rs.getObject("tenant_id").toString(), rs.getString("resource_id"),
                rs.getString("provider_resource_id"), rs.getString("provider"), rs.getString("region"),
                Meter.valueOf(rs.getString("meter")), flavor == null ? "" : flavor, SqlTime.instant(rs, "period_start"),
                SqlTime.instant(rs, "period_end"), rs.getLong("seconds"),
                rs.getBigDecimal("quantity").setScale(UsageRecord.QUANTITY_SCALE));
    }

    /** Two closes of one tenant's period (the hourly job and a reprocessing) take turns. */
    private static void lockPeriod(Connection c, UUID tenantId, BillingPeriod period) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))")) {
            ps.setString(1, "usage|" + tenantId + "|" + period);
            ps.execute();
        }
    }

    private static Map<String, BigDecimal> storedQuantities(Connection c, UUID tenantId, BillingPeriod period) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id, quantity FROM usage_record WHERE tenant_id = ? AND billing_period = ?")) {
            ps.setObject(1, tenantId);
            ps.setString(2, period.toString());
            Map<String, BigDecimal> out = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getObject(1).toString(), rs.getBigDecimal(2));
                }
            }
            return out;
        }
    }
}
