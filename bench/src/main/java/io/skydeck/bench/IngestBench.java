package io.skydeck.bench;

import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.finance.metering.HourlyClose;
import io.skydeck.finance.store.UsageRecordStore;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Metering ingest: the service's {@link UsageRecordStore} against a raw {@code COPY} of the same
 * rows into the same {@code usage_record} table (migration V4, primary key and index included),
 * in one JVM and one database session.
 *
 * <p>The records are generated before anything is timed and held in memory, as the metering job
 * holds the hours it closed. The raw COPY is given the best possible start: its COPY text is
 * encoded before the clock starts, so it times nothing but PostgreSQL taking the rows, while the
 * store's time includes encoding. Before every pass the table is truncated and a CHECKPOINT flushes
 * the previous pass's dirty pages; the two are measured in alternating order over the rounds and
 * the best pass of each is compared, so neither profits from going second.
 *
 * <p>Its last line is the figure line, in the format bench/README.md records.
 */
public final class IngestBench {

    private static final Instant METERED_AT = Instant.parse("2024-01-11T01:00:00Z");
    private static final String COPY = "COPY usage_record (id, tenant_id, resource_id, provider_resource_id, provider, region, meter,"
            + " flavor, period_start, period_end, seconds, quantity, billing_period, metered_at) FROM STDIN";

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchDatabase.options(args);
        int records = Integer.parseInt(options.getOrDefault("records", "1000000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        boolean extras = Boolean.parseBoolean(options.getOrDefault("extras", "true"));
        BenchDatabase.deadline("ingest", Long.parseLong(options.getOrDefault("deadline-seconds", "1200")));

        try (BenchDatabase db = BenchDatabase.create(); Connection c = db.connect()) {
            db.describe(c);
            BenchDatabase.execute(c, BenchDatabase.migration("V4__usage.sql"));
            UsageData data = new UsageData(seed, 200, 240);
            System.out.printf(Locale.ROOT, "parameters: records=%d (%d VMs x %d hours x server/vCPU/GiB-hour meters, 200 tenants,"
                            + " seed %d), rounds=%d, table usage_record as in V4 (primary key + index), chunk %d%n",
                    records, (records + data.recordsPerResource() - 1) / data.recordsPerResource(), data.hoursPerResource, seed, rounds,
                    UsageRecordStore.DEFAULT_CHUNK_SIZE);

            long t0 = System.nanoTime();
            List<UsageRecord> rows = new ArrayList<>(records);
            for (int i = 0; i < records; i++) {
                rows.add(data.record(i));
            }
            List<byte[]> copyText = copyText(rows);
            long textBytes = copyText.stream().mapToLong(b -> b.length).sum();
            System.out.printf(Locale.ROOT, "generated %d records and their COPY text (%.1f MiB) in %.1f s (not timed)%n", records,
                    textBytes / 1048576.0, (System.nanoTime() - t0) / 1e9);

            // The metering close's own write: HourlyClose.write, which hands hours that began after the
            // last close to UsageRecordStore.store (COPY first) and earlier ones to the upsert path.
            HourlyClose close = new HourlyClose(Clock.fixed(METERED_AT, ZoneOffset.UTC));
            double bestStore = 0;
            double bestCopy = 0;
            for (int round = 1; round <= rounds; round++) {
                boolean copyFirst = round % 2 == 1;
                for (int pass = 0; pass < 2; pass++) {
                    boolean copyPass = copyFirst == (pass == 0);
                    prepare(c);
                    long start = System.nanoTime();
                    long written = copyPass ? rawCopy(c, copyText) : closeWrites(c, close, rows);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    check(c, records, written);
                    double rate = records / seconds;
                    System.out.printf(Locale.ROOT, "round %d: %-22s %9d rows in %6.2f s = %8.0f rows/s%n", round,
                            copyPass ? "raw COPY" : "HourlyClose.write", records, seconds, rate);
                    if (copyPass) {
                        bestCopy = Math.max(bestCopy, rate);
                    } else {
                        bestStore = Math.max(bestStore, rate);
                    }
                }
            }

            if (extras) {
                extras(c, rows, records);
            }
            System.out.printf(Locale.ROOT, "best of %d rounds each; the table holds %d rows%n", rounds, BenchDatabase.count(c, "usage_record"));
            System.out.printf(Locale.ROOT, "ingest records_per_s=%.0f copy_rows_per_s=%.0f ratio_vs_copy=%.2f%n", bestStore, bestCopy,
                    bestStore / bestCopy);
        }
    }

    /**
     * What the hourly close does with the records it metered, in one transaction: here all hours are
     * new to the table (as after a close that found no earlier close, or for the hours since the
     * last one), so every chunk takes UsageRecordStore's COPY path.
     */
    private static long closeWrites(Connection c, HourlyClose close, List<UsageRecord> rows) throws SQLException {
        c.setAutoCommit(false);
        try {
            long written = close.write(c, rows, null);
            c.commit();
            return written;
        } finally {
            c.setAutoCommit(true);
        }
    }

    /**
     * The store's other paths, for the record (not in the figure line): storing what is already
     * there, a correction of one record in ten, and fresh records through staging + upsert only.
     */
    private static void extras(Connection c, List<UsageRecord> rows, int records) throws SQLException {
        UsageRecordStore later = new UsageRecordStore(Clock.fixed(METERED_AT.plusSeconds(86_400), ZoneOffset.UTC));
        prepare(c);
        new UsageRecordStore(Clock.fixed(METERED_AT, ZoneOffset.UTC)).store(c, rows.iterator());
        BenchDatabase.checkpoint(c);
        long start = System.nanoTime();
        int written = later.store(c, rows.iterator());
        report("re-store, all unchanged", records, written, start);

        List<UsageRecord> corrected = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            UsageRecord r = rows.get(i);
            corrected.add(i % 10 != 0 ? r : new UsageRecord(r.id(), r.tenantId(), r.resourceId(), r.providerResourceId(), r.provider(),
                    r.region(), r.meter(), r.flavor(), r.start(), r.end(), r.seconds(),
                    r.quantity().add(new BigDecimal("0.000000001"))));
        }
        BenchDatabase.checkpoint(c);
        start = System.nanoTime();
        written = later.store(c, corrected.iterator());
        report("re-store, 1 in 10 changed", records, written, start);
        check(c, records, records);

        prepare(c);
        start = System.nanoTime();
        written = UsageRecordStore.upsertOnly(Clock.fixed(METERED_AT, ZoneOffset.UTC)).store(c, rows.iterator());
        report("fresh, upsert path only", records, written, start);
        check(c, records, written);
    }

    private static void report(String what, int records, int written, long startNanos) {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        System.out.printf(Locale.ROOT, "extra: %-26s %9d records in %6.2f s = %8.0f records/s, rows written %d%n", what, records, seconds,
                records / seconds, written);
    }

    private static void prepare(Connection c) throws SQLException {
        BenchDatabase.execute(c, "TRUNCATE usage_record");
        BenchDatabase.checkpoint(c);
    }

    private static void check(Connection c, int records, long written) throws SQLException {
        long stored = BenchDatabase.count(c, "usage_record");
        if (stored != records || written != records) {
            throw new IllegalStateException("expected " + records + " rows, the pass reported " + written + " and the table holds " + stored);
        }
    }

    private static long rawCopy(Connection c, List<byte[]> text) throws SQLException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        CopyIn in = copy.copyIn(COPY);
        for (byte[] block : text) {
            in.writeToCopy(block, 0, block.length);
        }
        return in.endCopy();
    }

    /** COPY text of the rows in blocks of about 1 MiB; written independently of the store's encoder. */
    private static List<byte[]> copyText(List<UsageRecord> rows) {
        List<byte[]> blocks = new ArrayList<>();
        StringBuilder sb = new StringBuilder(1 << 20);
        String meteredAt = METERED_AT.toString();
        for (UsageRecord r : rows) {
            String[] fields = {r.id(), r.tenantId(), r.resourceId(), r.providerResourceId(), r.provider(), r.region(), r.meter().name(),
                r.flavor(), r.start().toString(), r.end().toString(), Long.toString(r.seconds()), r.quantity().toPlainString(),
                r.period().toString(), meteredAt};
            for (int f = 0; f < fields.length; f++) {
                String v = fields[f];
                if (v.chars().anyMatch(ch -> ch == '\\' || ch == '\t' || ch == '\n' || ch == '\r')) {
                    throw new IllegalStateException("generated data needs no COPY escapes: " + v);
                }
                sb.append(f == 0 ? "" : "\t").append(v);
            }
            sb.append('\n');
            if (sb.length() >= 1 << 20) {
                blocks.add(sb.toString().getBytes(StandardCharsets.UTF_8));
                sb.setLength(0);
            }
        }
        if (sb.length() > 0) {
            blocks.add(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return blocks;
    }
}
