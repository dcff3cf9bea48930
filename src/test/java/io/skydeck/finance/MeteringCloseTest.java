package io.skydeck.finance;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.skydeck.finance.metering.HourlyClose;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incremental hourly close ({@link HourlyClose}) against the real database, in a schema of
 * its own built from the migrations' text (V1, V2, V4, V17), so that no other test's events are
 * metered here and time can be chosen: each close gets a fixed clock.
 */
@QuarkusTest
class MeteringCloseTest {

    static final Instant FLOOR = Instant.parse("2024-03-01T00:00:00Z");
    static final UUID TENANT = UUID.fromString("0e7a1c55-0000-4000-8000-000000000017");

    @Inject
    AgroalDataSource db;

    String schema;

    @BeforeEach
    void schemaOfOurOwn() throws Exception {
        schema = "metering_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
                s.execute("SET LOCAL search_path TO " + schema);
                for (String v : List.of("V1__platform.sql", "V2__compute.sql", "V4__usage.sql", "V17__incremental_metering.sql")) {
                    s.execute(migration(v));
                }
                s.execute("INSERT INTO tenant VALUES ('" + TENANT + "', 'metering-close', 'Metering', 'ACTIVE', now(), now(), 0)");
            }
            return null;
        });
    }

    @AfterEach
    void dropSchema() throws Exception {
        inTransaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA " + schema + " CASCADE");
            }
            return null;
        });
    }

    @Test
    void aLateEventForAnOldHourIsMeteredAndOnlyTheHoursItTouchesAreRewritten() throws Exception {
        UUID vm = UUID.randomUUID();
        event(vm, "CREATED", "2024-03-10T08:00:00Z");
        close("2024-03-10T12:20:00Z");
        assertThat(serverHours(vm)).containsExactly(
                Map.entry("2024-03-10T08:00:00Z", "1.000000000"), Map.entry("2024-03-10T09:00:00Z", "1.000000000"),
                Map.entry("2024-03-10T10:00:00Z", "1.000000000"), Map.entry("2024-03-10T11:00:00Z", "1.000000000"),
                Map.entry("2024-03-10T12:00:00Z", "0.333333333"));
        Map<String, String> versions = rowVersions();

        // The stop at 09:30 arrives late, after the 12:20 close; so does a whole short-lived server of 06:00.
        event(vm, "STOPPED", "2024-03-10T09:30:00Z");
        UUID early = UUID.randomUUID();
        event(early, "CREATED", "2024-03-10T06:00:00Z");
        event(early, "DELETED", "2024-03-10T07:00:00Z");
        HourlyClose.Result second = close("2024-03-10T13:10:00Z");

        assertThat(serverHours(vm)).containsExactly(
                Map.entry("2024-03-10T08:00:00Z", "1.000000000"), Map.entry("2024-03-10T09:00:00Z", "0.500000000"));
        assertThat(serverHours(early)).containsExactly(Map.entry("2024-03-10T06:00:00Z", "1.000000000"));
        assertThat(second.rowsDeleted()).as("the 10:00-12:00 hours of each meter went away").isEqualTo(3 * 3);
        // The 08:00 hour lies before the late event: its rows were not rewritten.
        Map<String, String> after = rowVersions();
        versions.entrySet().stream().filter(e -> e.getKey().startsWith("2024-03-10T08:00:00Z"))
                .forEach(e -> assertThat(after.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue()));
    }

    @Test
    void aSecondCloseWithNoNewEventsWritesNothing() throws Exception {
        UUID vm = UUID.randomUUID();
        event(vm, "CREATED", "2024-03-10T08:15:00Z");
        event(vm, "DELETED", "2024-03-10T10:45:00Z");
        HourlyClose.Result first = close("2024-03-10T11:05:00Z");
        assertThat(first.rowsWritten()).isEqualTo(3 * 3);
        Map<String, String> versions = rowVersions();

        HourlyClose.Result second = close("2024-03-10T12:05:00Z");

        assertThat(second.rowsWritten()).isZero();
        assertThat(second.rowsDeleted()).isZero();
        assertThat(second.openResources()).isZero();
        assertThat(rowVersions()).isEqualTo(versions);
        assertThat(watermarkUntil()).isEqualTo("2024-03-10T12:05:00Z");
    }

    @Test
    void aRunningServerIsExtendedToEachCloseWithoutNewEvents() throws Exception {
        UUID vm = UUID.randomUUID();
        event(vm, "CREATED", "2024-03-10T08:00:00Z");
        close("2024-03-10T10:30:00Z");
        Map<String, String> versions = rowVersions();

        HourlyClose.Result later = close("2024-03-10T13:15:00Z");

        assertThat(later.openResources()).isEqualTo(1);
        assertThat(serverHours(vm).values().stream().map(BigDecimal::new).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("5.25");
        // Hours the first close had metered in full are not touched again; 10:00 (partial then) is.
        Map<String, String> after = rowVersions();
        versions.forEach((hour, version) -> {
            if (hour.startsWith("2024-03-10T08") || hour.startsWith("2024-03-10T09")) {
                assertThat(after.get(hour)).as(hour).isEqualTo(version);
            } else {
                assertThat(after.get(hour)).as(hour).isNotEqualTo(version);
            }
        });
    }

    @Test
    void twoConcurrentClosesDoNotDoubleCount() throws Exception {
        List<UUID> vms = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            UUID vm = UUID.randomUUID();
            vms.add(vm);
            event(vm, "CREATED", "2024-03-10T08:00:00Z");
            event(vm, "DELETED", "2024-03-10T10:30:00Z");
        }
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<HourlyClose.Result>> closes = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                closes.add(pool.submit(() -> inTransaction(c -> {
                    start.await(10, TimeUnit.SECONDS);
                    return new HourlyClose(at("2024-03-10T11:00:00Z")).close(c, FLOOR);
                })));
            }
            long metered = 0;
            for (Future<HourlyClose.Result> f : closes) {
                metered += f.get(60, TimeUnit.SECONDS).records();
            }
            // Both closes succeeded; usage is that of 200 servers for 2.5 hours, each hour and meter once.
            assertThat(metered).isGreaterThanOrEqualTo(200 * 3 * 3);
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("SELECT count(*) FROM usage_record")).isEqualTo(200 * 3 * 3);
        assertThat(count("SELECT count(DISTINCT (resource_id, meter, period_start)) FROM usage_record")).isEqualTo(200 * 3 * 3);
        assertThat(sum("SELECT sum(quantity) FROM usage_record WHERE meter = 'SERVER_HOURS'")).isEqualByComparingTo("500");
        assertThat(sum("SELECT sum(quantity) FROM usage_record WHERE meter = 'VCPU_HOURS'")).isEqualByComparingTo("1000");
    }

    // --- helpers -------------------------------------------------------------------------------

    interface Work<T> {
        T run(Connection c) throws Exception;
    }

    /** Runs in one transaction on a connection of the service's pool, with this test's schema first on the path. */
    <T> T inTransaction(Work<T> work) throws Exception {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    if (schema != null) {
                        s.execute("SET LOCAL search_path TO " + schema);
                    }
                }
                T result = work.run(c);
                c.commit();
                return result;
            } catch (Exception e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    HourlyClose.Result close(String now) throws Exception {
        return inTransaction(c -> new HourlyClose(at(now)).close(c, FLOOR));
    }

    static Clock at(String instant) {
        return Clock.fixed(Instant.parse(instant), ZoneOffset.UTC);
    }

    void event(UUID resource, String kind, String at) throws Exception {
        inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO lifecycle_event (id, tenant_id, resource_type, resource_id, kind, occurred_at, recorded_at, provider,
                        region, provider_resource_id, flavor, vcpu_millis, memory_mib, gpu, replicas)
                    VALUES (?, ?, 'server', ?, ?, ?, now(), 'sandbox', 'sbx-east-1', ?, 'm1.small', 2000, 4096, 0, 1)""")) {
                ps.setObject(1, UUID.randomUUID());
                ps.setObject(2, TENANT);
                ps.setObject(3, resource);
                ps.setString(4, kind);
                ps.setObject(5, OffsetDateTime.ofInstant(Instant.parse(at), ZoneOffset.UTC));
                ps.setString(6, "srv-" + resource.toString().substring(0, 8));
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** SERVER_HOURS of a resource by hour. */
    Map<String, String> serverHours(UUID resource) throws Exception {
        return inTransaction(c -> {
            Map<String, String> out = new TreeMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT period_start, quantity FROM usage_record WHERE resource_id = ? AND meter = 'SERVER_HOURS'")) {
                ps.setString(1, resource.toString());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getObject(1, OffsetDateTime.class).toInstant().toString(), rs.getBigDecimal(2).toPlainString());
                    }
                }
            }
            return out;
        });
    }

    /** Every row's version (xmin) by hour, meter and resource: a rewritten row gets a new one. */
    Map<String, String> rowVersions() throws Exception {
        return inTransaction(c -> {
            Map<String, String> out = new TreeMap<>();
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT period_start, meter, resource_id, xmin::text FROM usage_record")) {
                while (rs.next()) {
                    out.put(rs.getObject(1, OffsetDateTime.class).toInstant() + " " + rs.getString(2) + " " + rs.getString(3),
                            rs.getString(4));
                }
            }
            return out;
        });
    }

    String watermarkUntil() throws Exception {
        return inTransaction(c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT closed_until FROM metering_watermark")) {
                rs.next();
                return rs.getObject(1, OffsetDateTime.class).toInstant().toString();
            }
        });
    }

    long count(String sql) throws Exception {
        return inTransaction(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    BigDecimal sum(String sql) throws Exception {
        return inTransaction(c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                return rs.getBigDecimal(1);
            }
        });
    }

    static String migration(String name) throws IOException {
        try (InputStream in = MeteringCloseTest.class.getResourceAsStream("/db/migration/" + name)) {
            if (in == null) {
                throw new IOException("no migration " + name + " on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
