package io.skydeck.finance;

import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.restassured.response.Response;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/** Test fixtures for finance: lifecycle events at exact instants, and money read from JSON as BigDecimal. */
final class FinanceFixtures {

    private FinanceFixtures() {
    }

    /** A lifecycle event as the compute façade would have recorded it, at an instant the test chooses. */
    record Event(UUID tenantId, UUID resourceId, String kind, Instant at, String provider, String region, String providerResourceId,
                 String flavor, long vcpuMillis, long memoryMib) {
    }

    static void insert(DataSource db, List<Event> events) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO lifecycle_event (id, tenant_id, resource_type, resource_id, kind, occurred_at, recorded_at, provider, region,
                    provider_resource_id, flavor, vcpu_millis, memory_mib, gpu, replicas)
                VALUES (?, ?, 'server', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1)""")) {
            for (Event e : events) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, e.tenantId());
                ps.setObject(3, e.resourceId());
                ps.setString(4, e.kind());
                ps.setObject(5, OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC));
                ps.setObject(6, OffsetDateTime.now(ZoneOffset.UTC));
                ps.setString(7, e.provider());
                ps.setString(8, e.region());
                ps.setString(9, e.providerResourceId());
                ps.setString(10, e.flavor());
                ps.setLong(11, e.vcpuMillis());
                ps.setLong(12, e.memoryMib());
                ps.addBatch();
            }
            ps.executeBatch();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static long count(DataSource db, String sql, Object... args) {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON number as the exact decimal the service wrote (RestAssured would make it a float). */
    static BigDecimal money(Response response, String path) {
        return json(response).getObject(path, BigDecimal.class);
    }

    static JsonPath json(Response response) {
        return new JsonPath(response.asString())
                .using(JsonPathConfig.jsonPathConfig().numberReturnType(JsonPathConfig.NumberReturnType.BIG_DECIMAL));
    }
}
