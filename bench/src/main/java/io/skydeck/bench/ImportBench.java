package io.skydeck.bench;

import io.skydeck.billing.bills.BillImport;
import io.skydeck.finance.store.BillLineCopy;
import org.postgresql.PGConnection;

import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A generated CUR file through {@code POST /v1/bill-imports} of the running service, against
 * {@code COPY} of the same parsed rows into the same service's {@code bill_line} table.
 */
public final class ImportBench {

    static final UUID BASELINE_IMPORT = UUID.fromString("0b1e1000-0000-4000-8000-000000000001");
    static final Pattern LINES = Pattern.compile("\"lines\"\\s*:\\s*(\\d+)");

    private ImportBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchDatabase.options(args);
        int records = Integer.parseInt(options.getOrDefault("records", "1000000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "3"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        String serviceHeap = options.getOrDefault("service-heap", "512m");
        BenchDatabase.deadline("import", Long.parseLong(options.getOrDefault("deadline-seconds", "1500")));

        Path cur = Files.createTempFile("skydeck-bench-import-", ".csv");
        Path copyText = Files.createTempFile("skydeck-bench-import-", ".copy");
        // The scheduler is started halted: the reconciliation each import schedules (a Quartz
        // trigger written by the import's own transaction) is stored but not run, so it cannot
        // compete with the next pass. The import request itself is unchanged.
        try (RunningService service = RunningService.start(List.of("-Xms" + serviceHeap, "-Xmx" + serviceHeap,
                "-Dquarkus.scheduler.start-mode=halted"));
             Connection c = service.connect()) {
            long t0 = System.nanoTime();
            new ReconcileBench(records, seed).writeCur(cur);
            System.out.printf(Locale.ROOT, "parameters: records=%d CUR lines (legacy column names, as bench/run reconcile writes them),"
                    + " seed %d, rounds=%d, service heap %s%n", records, seed, rounds, serviceHeap);
            System.out.printf(Locale.ROOT, "wrote %s: %.1f MiB in %.1f s (not timed)%n", cur, Files.size(cur) / 1048576.0,
                    (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            long parsed = 0;
            String sha;
            try (InputStream in = Files.newInputStream(cur); BillImport bill = BillImport.open(in);
                 OutputStream out = new BufferedOutputStream(Files.newOutputStream(copyText), 1 << 16)) {
                while (bill.hasNext()) {
                    out.write(BillLineCopy.text(BASELINE_IMPORT, "aws", bill.next()));
                    parsed++;
                }
                sha = bill.sha256();
            }
            System.out.printf(Locale.ROOT, "parsed %d lines with billing's BillImport into COPY text (%.1f MiB) in %.1f s (not timed)%n",
                    parsed, Files.size(copyText) / 1048576.0, (System.nanoTime() - t0) / 1e9);

            double bestApi = 0;
            double bestCopy = 0;
            for (int round = 1; round <= rounds; round++) {
                boolean apiFirst = round % 2 == 1;
                for (int pass = 0; pass < 2; pass++) {
                    boolean api = apiFirst == (pass == 0);
                    BenchDatabase.execute(c, "TRUNCATE bill_line, bill_import CASCADE");
                    BenchDatabase.checkpoint(c);
                    long start = System.nanoTime();
                    long stored = api ? post(service, cur) : copy(c, copyText, sha, parsed);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    long rows = BenchDatabase.count(c, "bill_line");
                    if (stored != records || rows != records) {
                        throw new IllegalStateException((api ? "the API" : "COPY") + " stored " + stored + " lines, the table holds " + rows
                                + ", expected " + records);
                    }
                    double rate = records / seconds;
                    System.out.printf(Locale.ROOT, "round %d: %-28s %9d lines in %6.2f s = %8.0f lines/s%n", round,
                            api ? "POST /v1/bill-imports" : "COPY into bill_line", records, seconds, rate);
                    if (api) {
                        bestApi = Math.max(bestApi, rate);
                    } else {
                        bestCopy = Math.max(bestCopy, rate);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "best of %d rounds each; job runs the service made meanwhile: %d (the scheduler is halted)%n",
                    rounds, BenchDatabase.count(c, "job_run"));
            System.out.printf(Locale.ROOT, "import lines_per_s=%.0f copy_rows_per_s=%.0f ratio_vs_copy=%.2f%n", bestApi, bestCopy,
                    bestApi / bestCopy);
        } finally {
            Files.deleteIfExists(cur);
            Files.deleteIfExists(copyText);
        }
    }

    /** The file as a finance user sends it; returns the lines the service says it imported. */
    static long post(RunningService service, Path cur) throws Exception {
        HttpResponse<String> r = service.http.send(service.request("/v1/bill-imports?provider=aws")
                .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofFile(cur)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("POST /v1/bill-imports answered " + r.statusCode() + ": " + r.body());
        }
        Matcher m = LINES.matcher(r.body());
        if (!m.find()) {
            throw new IllegalStateException("no line count in " + r.body());
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * What the database alone needs for the same rows: the import's row and one COPY of the
     * pre-encoded lines into the service's bill_line (its primary key, index and deferred foreign
     * key included), in one transaction.
     */
    static long copy(Connection c, Path copyText, String sha, long lines) throws SQLException, java.io.IOException {
        c.setAutoCommit(false);
        try {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO bill_import (id, provider, sha256, format, line_count, imported_at, imported_by)
                    VALUES (?, 'aws', ?, 'CUR_LEGACY', ?, ?, 'bench')""")) {
                ps.setObject(1, BASELINE_IMPORT);
                ps.setString(2, sha);
                ps.setLong(3, lines);
                ps.setObject(4, OffsetDateTime.ofInstant(Instant.now(), ZoneOffset.UTC));
                ps.executeUpdate();
            }
            long rows;
            try (InputStream in = Files.newInputStream(copyText)) {
                rows = c.unwrap(PGConnection.class).getCopyAPI().copyIn(BillLineCopy.COPY, in, 1 << 16);
            }
            c.commit();
            return rows;
        } finally {
            c.setAutoCommit(true);
        }
    }
}
