package io.skydeck.finance.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.platform.embedded.EmbeddedDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs against the PostgreSQL named by {@code SKYDECK_TEST_DB_URL}, or without it against an
 * embedded PostgreSQL of its own (the suite's default), in a schema of its own created from the
 * V4 migration's text and dropped afterwards, so that it never meets another suite's tables.
 */
class UsageRecordStoreTest {

    static EmbeddedDatabase embedded;
    static String url;
    static String user;

    @BeforeAll
    static void aDatabase() throws IOException {
        url = System.getenv("SKYDECK_TEST_DB_URL");
        user = env("SKYDECK_TEST_DB_USER", "postgres");
        if (url == null || url.isBlank()) {
            embedded = EmbeddedDatabase.start(Files.createTempDirectory("skydeck-usage-store").resolve("pgdata"));
            url = embedded.jdbcUrl();
            user = embedded.user();
        }
    }

    @AfterAll
    static void stopEmbedded() {
        if (embedded != null) {
            embedded.close();
        }
    }

    static final String TENANT = "6f1c2a0e-0000-4000-8000-000000000001";
    static final Instant H0 = Instant.parse("2024-01-31T22:00:00Z");
    static final Clock FIRST = Clock.fixed(Instant.parse("2024-02-01T03:00:00Z"), ZoneOffset.UTC);
    static final Clock LATER = Clock.fixed(Instant.parse("2024-02-02T03:00:00Z"), ZoneOffset.UTC);

    Connection c;
    String schema;

    @BeforeEach
    void schemaOfOurOwn() throws Exception {
        c = DriverManager.getConnection(url, user, embedded != null ? "" : env("SKYDECK_TEST_DB_PASSWORD", ""));
        schema = "usage_store_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
            s.execute("SET search_path TO " + schema);
            s.execute(migrationV4());
        }
    }

    @AfterEach
    void dropSchema() throws SQLException {
        if (c == null) {
            return;
        }
        try (Connection owned = c; Statement s = owned.createStatement()) {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            s.execute("DROP SCHEMA " + schema + " CASCADE");
        }
    }

    @Test
    void storesEveryFieldExactly() throws Exception {
        List<UsageRecord> records = List.of(
                record("vm-1", Meter.SERVER_HOURS, "m5.large", 0, 3600, "1.000000000"),
                record("vm-1", Meter.VCPU_HOURS, "", 1, 1800, "1.000000000"),
                // Fields COPY's text format must escape, a null provider resource id, non-ASCII.
                new UsageRecord(UsageRecord.stableId(TENANT, "odd\tone", Meter.EGRESS_GB, "", H0), TENANT, "odd\tone", null,
                        "sandbox", "région-\\1", Meter.EGRESS_GB, "", H0, H0.plus(1, ChronoUnit.HOURS), 0,
                        new BigDecimal("12345678901234567890.123456789")));

        int written = new UsageRecordStore(FIRST).store(c, records.iterator());

        assertThat(written).isEqualTo(3);
        assertThat(stored()).isEqualTo(expected(records, FIRST));
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT billing_period FROM usage_record ORDER BY period_start")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("2024-01");
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("2024-01");
        }
    }

    @Test
    void storingTheSameRecordsAgainChangesNothing() throws Exception {
        List<UsageRecord> records = hours("vm-2", 120);
        new UsageRecordStore(FIRST).store(c, records.iterator());
        Map<String, List<String>> before = stored();
        Map<String, String> versionsBefore = rowVersions();

        int written = new UsageRecordStore(LATER).store(c, records.iterator());

        assertThat(written).isZero();
        assertThat(stored()).isEqualTo(before); // metered_at included: untouched rows keep theirs
        assertThat(count()).isEqualTo(120);
        assertThat(rowVersions()).isEqualTo(versionsBefore);
    }

    @Test
    void aChangedQuantityReplacesTheStoredOne() throws Exception {
        List<UsageRecord> records = hours("vm-3", 10);
        new UsageRecordStore(FIRST).store(c, records.iterator());
        List<UsageRecord> corrected = new ArrayList<>(records);
        UsageRecord r = records.get(4);
        corrected.set(4, withQuantity(r, "0.250000000", 900));

        int written = new UsageRecordStore(LATER).store(c, corrected.iterator());

        assertThat(written).isEqualTo(1);
        Map<String, List<String>> expected = expected(records, FIRST);
        expected.putAll(expected(List.of(corrected.get(4)), LATER));
        assertThat(stored()).isEqualTo(expected);
    }

    @Test
    void mixedNewAndStoredIdsAcrossChunksAndDuplicatesInOneCall() throws Exception {
        // Chunks of 7: the first chunk is new (COPY path), later ones overlap (staging path).
        UsageRecordStore store = new UsageRecordStore(FIRST, 7, true);
        List<UsageRecord> first = hours("vm-4", 20);
        store.store(c, first.subList(10, 20).iterator());
        List<UsageRecord> all = new ArrayList<>(first);
        all.add(withQuantity(first.get(3), "0.500000000", 1800)); // same id twice in one call: the last wins

        int written = store.store(c, all.iterator());

        // Chunk 1 (records 0-6) is COPYed, chunk 2 upserts 7-9, chunk 3 rewrites record 3: 7 + 3 + 1.
        assertThat(written).isEqualTo(11);
        List<UsageRecord> expectedRecords = new ArrayList<>(first);
        expectedRecords.set(3, all.get(20));
        assertThat(stored()).isEqualTo(expected(expectedRecords, FIRST));
    }

    @Test
    void theUpsertOnlyStoreGivesTheSameRows() throws Exception {
        List<UsageRecord> records = hours("vm-5", 30);
        assertThat(UsageRecordStore.upsertOnly(FIRST).store(c, records.iterator())).isEqualTo(30);
        assertThat(UsageRecordStore.upsertOnly(LATER).store(c, records.iterator())).isZero();
        assertThat(stored()).isEqualTo(expected(records, FIRST));
    }

    @Test
    void aFailedCallStoresNothingOfItself() throws Exception {
        List<UsageRecord> records = new ArrayList<>(hours("vm-6", 5));
        records.add(new UsageRecord("not-a-uuid", TENANT, "vm-6", "i-6", "aws", "eu-west-1", Meter.SERVER_HOURS, "m5.large",
                H0, H0.plus(1, ChronoUnit.HOURS), 3600, new BigDecimal("1.000000000")));

        assertThatThrownBy(() -> new UsageRecordStore(FIRST).store(c, records.iterator())).isInstanceOf(SQLException.class);

        assertThat(count()).isZero();
        assertThat(c.getAutoCommit()).isTrue();
    }

    @Test
    void joinsTheCallersTransaction() throws Exception {
        c.setAutoCommit(false);
        new UsageRecordStore(FIRST).store(c, hours("vm-7", 3).iterator());
        new UsageRecordStore(FIRST).store(c, hours("vm-7", 3).iterator()); // staging twice in one transaction
        assertThat(count()).isEqualTo(3);
        c.rollback();
        assertThat(count()).isZero();
    }

    // --- helpers

    static List<UsageRecord> hours(String resource, int n) {
        List<UsageRecord> out = new ArrayList<>();
        for (int h = 0; h < n; h++) {
            out.add(record(resource, Meter.SERVER_HOURS, "m5.large", h, 3600, "1.000000000"));
        }
        return out;
    }

    static UsageRecord record(String resource, Meter meter, String flavor, int hour, long seconds, String quantity) {
        Instant start = H0.plus(hour, ChronoUnit.HOURS);
        return new UsageRecord(UsageRecord.stableId(TENANT, resource, meter, flavor, start), TENANT, resource, "i-" + resource,
                "aws", "eu-west-1", meter, flavor, start, start.plus(1, ChronoUnit.HOURS), seconds, new BigDecimal(quantity));
    }

    static UsageRecord withQuantity(UsageRecord r, String quantity, long seconds) {
        return new UsageRecord(r.id(), r.tenantId(), r.resourceId(), r.providerResourceId(), r.provider(), r.region(), r.meter(),
                r.flavor(), r.start(), r.end(), seconds, new BigDecimal(quantity));
    }

    /** Rows as text, keyed by id, in the form {@link #stored()} reads them back. */
    static Map<String, List<String>> expected(List<UsageRecord> records, Clock meteredBy) {
        Map<String, List<String>> rows = new TreeMap<>();
        for (UsageRecord r : records) {
            rows.put(r.id(), java.util.Arrays.asList(r.tenantId(), r.resourceId(), r.providerResourceId(), r.provider(), r.region(),
                    r.meter().name(), r.flavor(), r.start().toString(), r.end().toString(), Long.toString(r.seconds()),
                    r.quantity().toPlainString(), r.period().toString(), meteredBy.instant().toString()));
        }
        return rows;
    }

    Map<String, List<String>> stored() throws SQLException {
        Map<String, List<String>> rows = new TreeMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id::text, tenant_id::text, resource_id, provider_resource_id, provider, region, meter,"
                     + " flavor, period_start, period_end, seconds, quantity, billing_period, metered_at FROM usage_record")) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 2; i <= 14; i++) {
                    Object v = rs.getObject(i);
                    row.add(v == null ? null
                            : v instanceof java.sql.Timestamp t ? t.toInstant().toString()
                            : v instanceof BigDecimal d ? d.toPlainString()
                            : v.toString());
                }
                assertThat(rows.put(rs.getString(1), row)).as("id stored once").isNull();
            }
        }
        return rows;
    }

    long count() throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM usage_record")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Each row's version (creating transaction and place): an update that changed nothing would still give a new one. */
    Map<String, String> rowVersions() throws SQLException {
        Map<String, String> versions = new TreeMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id::text, xmin::text || ' ' || ctid::text FROM usage_record")) {
            while (rs.next()) {
                versions.put(rs.getString(1), rs.getString(2));
            }
        }
        return versions;
    }

    static String migrationV4() throws IOException {
        try (InputStream in = UsageRecordStoreTest.class.getResourceAsStream("/db/migration/V4__usage.sql")) {
            assertThat(in).as("V4 migration on the classpath").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
