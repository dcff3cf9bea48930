package io.skydeck.finance.metering;

import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.LifecycleEvent;
import io.skydeck.billing.metering.LifecycleEventKind;
import io.skydeck.billing.metering.ResourceKind;
import io.skydeck.billing.metering.ResourceSpec;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Reads the compute façade's {@code lifecycle_event} rows as the billing engine's
 * {@link LifecycleEvent}s. The conversion is the only place that knows both vocabularies.
 *
 * <p>Plain JDBC and no framework: the metering close and its benchmark run the same code.
 */
public final class LifecycleRows {

    /** The columns {@link #toEvent} reads; the provider's id is looked up on the resource's other events when missing. */
    private static final String COLUMNS = """
            id, tenant_id, resource_type, resource_id, kind, occurred_at, provider, region,
            coalesce(provider_resource_id, (SELECT p.provider_resource_id FROM lifecycle_event p
                                            WHERE p.resource_id = e.resource_id AND p.provider_resource_id IS NOT NULL
                                            ORDER BY p.occurred_at LIMIT 1)) AS provider_resource_id,
            flavor, vcpu_millis, memory_mib, gpu, replicas""";

    private static final Set<String> METERED = Set.of("server", "workload");

    private static final BigDecimal MILLIS_PER_CPU = BigDecimal.valueOf(1000);

    private LifecycleRows() {
    }

    /**
     * Every event a tenant's period can depend on: all events up to the period's end of resources
     * that were not already gone before it started. A resource created months ago and still
     * running needs its CREATED event, so the lower bound is on deletion, not on time.
     *
     * <p>The provider's id of a resource is only known from its CREATED event on, but metering
     * takes a resource's identity from its first event (REQUESTED); every event therefore carries
     * the id the provider gave, or usage could never be matched against the provider's bill.
     */
    public static List<LifecycleEvent> ofPeriod(Connection c, UUID tenantId, BillingPeriod period) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + """

                FROM lifecycle_event e
                WHERE e.tenant_id = ? AND e.occurred_at < ?
                  AND NOT EXISTS (SELECT 1 FROM lifecycle_event g
                                  WHERE g.resource_id = e.resource_id AND g.kind IN ('DELETED', 'FAILED') AND g.occurred_at < ?)
                ORDER BY e.resource_id, e.occurred_at, e.id""")) {
            ps.setObject(1, tenantId);
            ps.setObject(2, utc(period.end()));
            ps.setObject(3, utc(period.start()));
            return read(ps);
        }
    }

    /** Every event of the given resources, ordered by resource, time and id (a resource's events are contiguous). */
    public static List<LifecycleEvent> ofResources(Connection c, Collection<UUID> resourceIds) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + """

                FROM lifecycle_event e WHERE e.resource_id = ANY (?)
                ORDER BY e.resource_id, e.occurred_at, e.id""")) {
            ps.setArray(1, c.createArrayOf("uuid", resourceIds.toArray()));
            return read(ps);
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    private static List<LifecycleEvent> read(PreparedStatement ps) throws SQLException {
        ps.setFetchSize(10_000);
        List<LifecycleEvent> events = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                // Only servers and workloads are metered; a network's events are its history, not usage.
                if (METERED.contains(rs.getString("resource_type"))) {
                    events.add(toEvent(rs));
                }
            }
        }
        return events;
    }

    private static LifecycleEvent toEvent(ResultSet rs) throws SQLException {
        boolean container = "workload".equals(rs.getString("resource_type"));
        String kind = rs.getString("kind");
        // A workload scaled to more replicas is, for metering, resized: its shape changes, it keeps running.
        LifecycleEventKind billingKind = "SCALED".equals(kind) ? LifecycleEventKind.RESIZED : LifecycleEventKind.valueOf(kind);
        return new LifecycleEvent(
                rs.getObject("id").toString(),
                rs.getObject("tenant_id").toString(),
                rs.getObject("resource_id").toString(),
                rs.getString("provider_resource_id"),
                rs.getString("provider"),
                rs.getString("region"),
                container ? ResourceKind.CONTAINER : ResourceKind.SERVER,
                billingKind,
                instant(rs, "occurred_at"),
                container ? containerSpec(rs) : serverSpec(rs),
                0);
    }

    private static ResourceSpec serverSpec(ResultSet rs) throws SQLException {
        String flavor = rs.getString("flavor");
        return new ResourceSpec(flavor == null ? "" : flavor, cpus(rs.getLong("vcpu_millis")), rs.getLong("memory_mib"),
                rs.getInt("gpu"), 0);
    }

    /** A workload's shape is per replica; billing meters the whole workload. */
    private static ResourceSpec containerSpec(ResultSet rs) throws SQLException {
        int replicas = Math.max(0, rs.getInt("replicas"));
        return new ResourceSpec("", cpus(rs.getLong("vcpu_millis") * replicas), rs.getLong("memory_mib") * replicas, 0, 0);
    }

    private static BigDecimal cpus(long millis) {
        return BigDecimal.valueOf(millis).divide(MILLIS_PER_CPU).stripTrailingZeros();
    }
}
