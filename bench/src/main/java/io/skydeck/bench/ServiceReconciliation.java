package io.skydeck.bench;

import io.skydeck.billing.bills.BillImport;
import io.skydeck.billing.reconciliation.Discrepancy;
import io.skydeck.finance.store.BillLineCopy;
import io.skydeck.finance.store.UsageRecordStore;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The reconciliation as finance runs it: the service jar (its own JVM, heap fixed at 256 MiB) with
 * the usage records in its {@code usage_record} and the CUR in its {@code bill_line}, asked with
 * {@code POST /v1/reconciliations}; the run is polled at {@code /v1/jobs/runs/{id}} until it
 * SUCCEEDED. It reads both sides from PostgreSQL and writes every discrepancy back.
 */
final class ServiceReconciliation implements AutoCloseable {

    static final Pattern OUTCOME = Pattern.compile("\"outcome\"\\s*:\\s*\"([A-Z]+)\"");
    static final Pattern RECONCILIATION_ID = Pattern.compile("\"reconciliationId\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern RUN_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern HEAP_LINE = Pattern.compile("^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\}\\s+([0-9.eE+]+)", Pattern.MULTILINE);

    final RunningService service;
    final Connection db;
    String lastDetail = "";
    double lastPeakHeapMiB;

    private ServiceReconciliation(RunningService service) throws SQLException {
        this.service = service;
        this.db = service.connect();
    }

    /** Starts the service and loads both sides into its database (not timed). */
    static ServiceReconciliation start(ReconcileBench bench, Path cur, String heap) throws Exception {
        ServiceReconciliation s = new ServiceReconciliation(RunningService.start(List.of("-Xms" + heap, "-Xmx" + heap)));
        long t0 = System.nanoTime();
        // The records as the metering close stores them (the service's UsageRecordStore).
        long usage = new UsageRecordStore(Clock.fixed(ReconcileBench.PERIOD.end(), ZoneOffset.UTC)).store(s.db, bench.usageRecords());
        UUID importId = UUID.randomUUID();
        long lines;
        s.db.setAutoCommit(false);
        try (InputStream in = Files.newInputStream(cur); BillImport bill = BillImport.open(in)) {
            try (BillLineCopy copy = BillLineCopy.open(s.db, importId, "aws")) {
                while (bill.hasNext()) {
                    copy.add(bill.next());
                }
                lines = copy.finish();
            }
            try (PreparedStatement ps = s.db.prepareStatement("""
                    INSERT INTO bill_import (id, provider, sha256, format, line_count, imported_at, imported_by)
                    VALUES (?, 'aws', ?, ?, ?, ?, 'bench')""")) {
                ps.setObject(1, importId);
                ps.setString(2, bill.sha256());
                ps.setString(3, bill.format().name());
                ps.setLong(4, lines);
                ps.setObject(5, OffsetDateTime.now(ZoneOffset.UTC));
                ps.executeUpdate();
            }
            s.db.commit();
        } finally {
            s.db.setAutoCommit(true);
        }
        BenchDatabase.execute(s.db, "VACUUM ANALYZE usage_record", "VACUUM ANALYZE bill_line");
        // Skydeck's expected price of each flavor: a general rate card, as finance keeps one.
        StringBuilder rates = new StringBuilder();
        for (int i = 0; i < ReconcileBench.FLAVORS.length; i++) {
            rates.append(i == 0 ? "" : ",").append("{\"meter\":\"SERVER_HOURS\",\"flavor\":\"").append(ReconcileBench.FLAVORS[i])
                    .append("\",\"price\":{\"type\":\"per-unit\",\"unitPrice\":").append(ReconcileBench.LIST_PRICES[i].toPlainString())
                    .append("}}");
        }
        String card = "{\"name\":\"bench-aws\",\"provider\":\"aws\",\"region\":\"eu-west-1\",\"currency\":\"USD\","
                + "\"effectiveFrom\":\"2023-01-01T00:00:00Z\",\"rates\":[" + rates + "]}";
        HttpResponse<String> r = s.service.http.send(s.service.request("/v1/rate-cards").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(card)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("POST /v1/rate-cards answered " + r.statusCode() + ": " + r.body());
        }
        System.out.printf(Locale.ROOT, "service side loaded (not timed): %d usage records through UsageRecordStore, %d bill lines through"
                + " BillLineCopy, a general rate card, in %.1f s%n", usage, lines, (System.nanoTime() - t0) / 1e9);
        return s;
    }

    /**
     * One reconciliation of January 2024 through the API, timed from the POST to the poll that saw
     * it SUCCEEDED (polls every 100 ms); returns its discrepancy counts as stored.
     */
    Map<Discrepancy.Kind, Long> reconcile() throws Exception {
        AtomicLong peak = new AtomicLong();
        Thread sampler = heapSampler(peak);
        HttpResponse<String> accepted = service.http.send(service.request("/v1/reconciliations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"aws\",\"period\":\"" + ReconcileBench.PERIOD + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (accepted.statusCode() != 202) {
            throw new IllegalStateException("POST /v1/reconciliations answered " + accepted.statusCode() + ": " + accepted.body());
        }
        String runId = find(RUN_ID, accepted.body());
        String body;
        String outcome;
        do {
            Thread.sleep(100);
            body = service.http.send(service.request("/v1/jobs/runs/" + runId).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
            outcome = find(OUTCOME, body);
        } while (outcome.equals("QUEUED") || outcome.equals("RUNNING"));
        sampler.interrupt();
        sampler.join();
        lastPeakHeapMiB = peak.get() / 1048576.0;
        if (!outcome.equals("SUCCEEDED")) {
            throw new IllegalStateException("the reconciliation ended " + outcome + ": " + body);
        }
        String reconciliationId = find(RECONCILIATION_ID, body);
        Map<Discrepancy.Kind, Long> counts = new EnumMap<>(Discrepancy.Kind.class);
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT kind, count(*) FROM reconciliation_discrepancy WHERE run_id = ? GROUP BY kind")) {
            ps.setString(1, reconciliationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    counts.put(Discrepancy.Kind.valueOf(rs.getString(1)), rs.getLong(2));
                }
            }
        }
        String times = "";
        try (PreparedStatement ps = db.prepareStatement("""
                SELECT j.started_at, j.finished_at, r.started_at, r.finished_at FROM job_run j, reconciliation_run r
                WHERE j.id = ?::uuid AND r.id = ?""")) {
            ps.setString(1, runId);
            ps.setString(2, reconciliationId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    times = String.format(Locale.ROOT, "job run %.2f s, of which the Reconciler %.2f s",
                            seconds(rs.getObject(1, OffsetDateTime.class), rs.getObject(2, OffsetDateTime.class)),
                            seconds(rs.getObject(3, OffsetDateTime.class), rs.getObject(4, OffsetDateTime.class)));
                }
            }
        }
        lastDetail = String.format(Locale.ROOT, "%s, %s; service heap sampled peak %.0f MiB", reconciliationId, times, lastPeakHeapMiB);
        return counts;
    }

    private static double seconds(OffsetDateTime from, OffsetDateTime to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    /** Samples the service's heap in use (its Prometheus endpoint, every heap pool summed) every 200 ms. */
    private Thread heapSampler(AtomicLong peak) {
        Thread t = new Thread(() -> {
            HttpRequest metrics = HttpRequest.newBuilder(URI.create(service.baseUrl + "/q/metrics")).timeout(Duration.ofSeconds(5)).build();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    String text = service.http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
                    Matcher m = HEAP_LINE.matcher(text);
                    double used = 0;
                    while (m.find()) {
                        used += Double.parseDouble(m.group(1));
                    }
                    peak.accumulateAndGet((long) used, Math::max);
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a missed sample
                }
            }
        }, "service-heap-sampler");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String find(Pattern p, String text) {
        Matcher m = p.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no " + p + " in " + text);
        }
        return m.group(1);
    }

    @Override
    public void close() throws SQLException {
        db.close();
        service.close();
    }

    static Instant now() {
        return Instant.now();
    }
}
