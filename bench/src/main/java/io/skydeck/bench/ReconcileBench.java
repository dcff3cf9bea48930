package io.skydeck.bench;

import io.skydeck.billing.bills.BillImport;
import io.skydeck.billing.metering.BillingPeriod;
import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import io.skydeck.billing.reconciliation.AwsUsageTypes;
import io.skydeck.billing.reconciliation.Discrepancy;
import io.skydeck.billing.reconciliation.Granularity;
import io.skydeck.billing.reconciliation.MeteredLine;
import io.skydeck.billing.reconciliation.Reconciler;
import io.skydeck.billing.reconciliation.ReconciliationRun;
import io.skydeck.billing.reconciliation.Tolerance;
import io.skydeck.billing.reconciliation.Totals;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

/**
 * Reconciliation of one month: a generated AWS CUR file (legacy column names, 1M lines) against
 * 1M metered server-hours, by billing's {@link Reconciler} (streaming the file through
 * {@link BillImport}, external sort-merge) and by PostgreSQL ({@code COPY} of the records and of
 * the very same file into plain tables, then a {@code FULL OUTER JOIN} of both sides summed per
 * key, classified with the same tolerance rules). Both must find the same counts per kind, which
 * are known in advance from how the data was made.
 *
 * <p><b>The data.</b> Keys (resource, usage type, hour) come in blocks of 110: 100 are metered
 * and 100 are billed — 78 match, 4 differ in quantity (billed 0.75 of what was metered), 4 in
 * price (billed at 1.25 × the list price: 10 % of a $0.10 hour would be within the one-cent tolerance), 4 are reserved-instance hours (DiscountedUsage,
 * effective cost 0.6 × list), 10 are metered but not billed and 10 billed but not metered. One
 * matched hour in 13 is a half hour. Neither side is in key order: both are dealt in two
 * different pseudo-random permutations, as a real CUR is not sorted the way we match.
 *
 * <p><b>Fairness.</b> Both sides generate the usage records inside their timing and read the same
 * file from the page cache. The SQL tables have no indexes (nothing to maintain during COPY),
 * ANALYZE runs before the query, and the session gets {@code work_mem} of 64 MB — about the heap
 * the Reconciler gets, spread over the query's hash tables. Rounds alternate which side goes
 * first; the best time of each side is compared.
 *
 * <p>Its last line is the figure line, in the format bench/README.md records.
 */
public final class ReconcileBench {

    static final BillingPeriod PERIOD = BillingPeriod.of(2024, 1);
    static final Instant START = PERIOD.start();
    static final int HOURS = 720;
    static final int METERED_PER_BLOCK = 100;
    static final int KEYS_PER_BLOCK = 110;
    static final String[] FLAVORS = {"m5.large", "m5.xlarge", "c5.large", "r5.large"};
    static final BigDecimal[] LIST_PRICES = {new BigDecimal("0.107"), new BigDecimal("0.214"), new BigDecimal("0.096"),
        new BigDecimal("0.126")};
    static final BigDecimal PRICE_DRIFT = new BigDecimal("1.25");
    static final BigDecimal RESERVED = new BigDecimal("0.6");
    static final BigDecimal BILLED_SHARE = new BigDecimal("0.75");
    static final String CUR_HEADER = "identity/LineItemId,bill/PayerAccountId,lineItem/UsageAccountId,lineItem/LineItemType,"
            + "lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/ResourceId,"
            + "lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,lineItem/UnblendedCost,pricing/publicOnDemandRate,"
            + "pricing/publicOnDemandCost,pricing/unit,product/region,reservation/EffectiveCost,reservation/ReservationARN,"
            + "lineItem/LineItemDescription";

    /** What a key is, by its position in its block. */
    enum Slot {
        MATCHED(Discrepancy.Kind.MATCHED), QUANTITY(Discrepancy.Kind.QUANTITY_MISMATCH), PRICE(Discrepancy.Kind.PRICE_MISMATCH),
        RESERVED(Discrepancy.Kind.COMMITMENT_DISCOUNT_EFFECT), NOT_BILLED(Discrepancy.Kind.MISSING_FROM_PROVIDER_BILL),
        NOT_METERED(Discrepancy.Kind.UNKNOWN_TO_SKYDECK);

        final Discrepancy.Kind kind;

        Slot(Discrepancy.Kind kind) {
            this.kind = kind;
        }

        static Slot of(int slot) {
            return slot < 78 ? MATCHED : slot < 82 ? QUANTITY : slot < 86 ? PRICE : slot < 90 ? RESERVED : slot < 100 ? NOT_BILLED
                    : NOT_METERED;
        }
    }

    private final int records;
    private final String[] tenants;
    private final Instant[] hours = new Instant[HOURS + 1];

    ReconcileBench(int records, long seed) {
        if (records % METERED_PER_BLOCK != 0) {
            throw new IllegalArgumentException("records must be a multiple of " + METERED_PER_BLOCK);
        }
        this.records = records;
        Random r = new Random(seed);
        tenants = new String[200];
        for (int i = 0; i < tenants.length; i++) {
            tenants[i] = new UUID(r.nextLong(), r.nextLong()).toString();
        }
        for (int h = 0; h <= HOURS; h++) {
            hours[h] = START.plus(h, ChronoUnit.HOURS);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = BenchDatabase.options(args);
        int records = Integer.parseInt(options.getOrDefault("records", "1000000"));
        int rounds = Integer.parseInt(options.getOrDefault("rounds", "2"));
        long seed = Long.parseLong(options.getOrDefault("seed", "42"));
        boolean keepFile = Boolean.parseBoolean(options.getOrDefault("keep-file", "false"));
        boolean service = Boolean.parseBoolean(options.getOrDefault("service", "true"));
        boolean library = Boolean.parseBoolean(options.getOrDefault("library", "true"));
        String serviceHeap = options.getOrDefault("service-heap", "256m");
        BenchDatabase.deadline("reconcile", Long.parseLong(options.getOrDefault("deadline-seconds", "1500")));
        ReconcileBench bench = new ReconcileBench(records, seed);

        Path cur = Files.createTempFile("skydeck-bench-cur-", ".csv");
        try (BenchDatabase db = BenchDatabase.create(); Connection c = db.connect()) {
            db.describe(c);
            Map<Discrepancy.Kind, Long> expected = bench.expectedCounts();
            System.out.printf(Locale.ROOT, "parameters: records=%d usage records and %d CUR lines (legacy column names), %d keys,"
                    + " seed %d, rounds=%d, period %s, hourly keys, Tolerance.standard(), Reconciler run size %d%n", records, records,
                    records / METERED_PER_BLOCK * KEYS_PER_BLOCK, seed, rounds, PERIOD, Reconciler.DEFAULT_RUN_SIZE);
            System.out.println("expected counts: " + expected);

            long t0 = System.nanoTime();
            bench.writeCur(cur);
            System.out.printf(Locale.ROOT, "wrote %s: %.1f MiB in %.1f s (not timed)%n", cur, Files.size(cur) / 1048576.0,
                    (System.nanoTime() - t0) / 1e9);
            bench.createTables(c);

            double bestReconciler = Double.MAX_VALUE;
            double bestSql = Double.MAX_VALUE;
            double bestService = Double.MAX_VALUE;
            double peakHeap = 0;
            double servicePeakHeap = 0;
            java.util.List<String> passes = new java.util.ArrayList<>();
            if (service) {
                passes.add("service");
            }
            passes.add("sql");
            if (library) {
                passes.add("library");
            }
            ServiceReconciliation api = service ? ServiceReconciliation.start(bench, cur, serviceHeap) : null;
            try {
                for (int round = 1; round <= rounds; round++) {
                    for (int pass = 0; pass < passes.size(); pass++) {
                        // Each round starts with another side, so no side always pays for a cold JIT or a dirty cache.
                        String side = passes.get((pass + round - 1) % passes.size());
                        if (side.equals("library")) {
                            HeapWatch heap = HeapWatch.start();
                            long start = System.nanoTime();
                            ReconciliationRun run = bench.reconcile(cur);
                            double seconds = (System.nanoTime() - start) / 1e9;
                            heap.stop();
                            Totals aws = run.byProvider().get("aws");
                            System.out.printf(Locale.ROOT, "round %d: Reconciler (library, in this JVM)  %6.2f s  heap peak sampled %.0f MiB,"
                                            + " pool peaks summed %.0f MiB, effective cost ours %s, theirs %s%n", round, seconds,
                                    heap.sampledPeakMiB(), heap.poolPeaksMiB(), aws.skydeckEffective(), aws.providerEffective());
                            System.out.println("         Reconciler counts " + run.counts());
                            agree("Reconciler", run.counts(), expected);
                            bestReconciler = Math.min(bestReconciler, seconds);
                            peakHeap = Math.max(peakHeap, heap.sampledPeakMiB());
                        } else if (side.equals("sql")) {
                            bench.truncate(c);
                            long start = System.nanoTime();
                            Map<Discrepancy.Kind, Long> counts = bench.sql(c, cur);
                            double seconds = (System.nanoTime() - start) / 1e9;
                            System.out.printf(Locale.ROOT, "round %d: COPY + SQL                        %6.2f s  (%s)%n", round, seconds,
                                    bench.lastSqlDetail);
                            System.out.println("         SQL counts        " + counts);
                            agree("SQL", counts, expected);
                            bestSql = Math.min(bestSql, seconds);
                        } else {
                            BenchDatabase.checkpoint(api.db);
                            long start = System.nanoTime();
                            Map<Discrepancy.Kind, Long> counts = api.reconcile();
                            double seconds = (System.nanoTime() - start) / 1e9;
                            System.out.printf(Locale.ROOT, "round %d: service, POST to SUCCEEDED        %6.2f s  (%s)%n", round, seconds,
                                    api.lastDetail);
                            System.out.println("         discrepancies stored " + counts);
                            agree("service", counts, expected);
                            bestService = Math.min(bestService, seconds);
                            servicePeakHeap = Math.max(servicePeakHeap, api.lastPeakHeapMiB);
                        }
                    }
                }
            } finally {
                if (api != null) {
                    api.close();
                }
            }
            System.out.println("every side found the expected count of every kind");
            System.out.printf(Locale.ROOT, "best of %d rounds each%n", rounds);
            if (library) {
                System.out.printf(Locale.ROOT, "library Reconciler alone: seconds=%.2f ratio_vs_sql=%.2f peak_heap_mb=%.0f (this JVM, %d MiB)%n",
                        bestReconciler, bestReconciler / bestSql, peakHeap, Runtime.getRuntime().maxMemory() >> 20);
            }
            if (service) {
                System.out.printf(Locale.ROOT, "reconcile seconds=%.2f sql_seconds=%.2f ratio_vs_sql=%.2f peak_heap_mb=%.0f%n", bestService,
                        bestSql, bestService / bestSql, servicePeakHeap);
            } else {
                System.out.printf(Locale.ROOT, "reconcile seconds=%.2f sql_seconds=%.2f ratio_vs_sql=%.2f peak_heap_mb=%.0f%n", bestReconciler,
                        bestSql, bestReconciler / bestSql, peakHeap);
            }
        } finally {
            if (!keepFile) {
                Files.deleteIfExists(cur);
            }
        }
    }

    static void agree(String who, Map<Discrepancy.Kind, Long> found, Map<Discrepancy.Kind, Long> expected) {
        Map<Discrepancy.Kind, Long> f = new EnumMap<>(Discrepancy.Kind.class);
        found.forEach((k, v) -> {
            if (v != 0) {
                f.put(k, v);
            }
        });
        if (!f.equals(expected)) {
            throw new IllegalStateException(who + " counts " + f + " differ from the expected " + expected);
        }
    }

    Map<Discrepancy.Kind, Long> expectedCounts() {
        Map<Discrepancy.Kind, Long> counts = new EnumMap<>(Discrepancy.Kind.class);
        long blocks = records / METERED_PER_BLOCK;
        for (int slot = 0; slot < KEYS_PER_BLOCK; slot++) {
            counts.merge(Slot.of(slot).kind, blocks, Long::sum);
        }
        return counts;
    }

    // --- the data

    /** The i-th of n in a fixed pseudo-random order (multiplying by a number coprime with n permutes 0..n-1). */
    static long permuted(long i, long n, long multiplier) {
        long m = multiplier;
        while (gcd(m, n) != 1) {
            m++;
        }
        return (i * m + 12_345) % n;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The key of the i-th metered record (in metering order, before permutation). */
    static long meteredKey(long i) {
        return i / METERED_PER_BLOCK * KEYS_PER_BLOCK + i % METERED_PER_BLOCK;
    }

    /** The key of the i-th bill line: slots 0-89 and 100-109 of each block. */
    static long billedKey(long i) {
        long slot = i % METERED_PER_BLOCK;
        return i / METERED_PER_BLOCK * KEYS_PER_BLOCK + (slot < 90 ? slot : slot + 10);
    }

    static Slot slot(long key) {
        return Slot.of((int) (key % KEYS_PER_BLOCK));
    }

    static long resource(long key) {
        return key / HOURS;
    }

    static int flavor(long resource) {
        return (int) (resource * 7 % FLAVORS.length);
    }

    /** Metered hours: one in 13 matched hours is a half hour (a VM started or stopped in it). */
    static BigDecimal meteredQuantity(long key) {
        return slot(key) == Slot.MATCHED && key % 13 == 0 ? new BigDecimal("0.500000000") : new BigDecimal("1.000000000");
    }

    UsageRecord usageRecord(long key) {
        long resource = resource(key);
        int hour = (int) (key % HOURS);
        String tenant = tenants[(int) (resource % tenants.length)];
        String resourceId = "vm-" + resource;
        String flavor = FLAVORS[flavor(resource)];
        BigDecimal quantity = meteredQuantity(key);
        Instant start = hours[hour];
        return new UsageRecord(UsageRecord.stableId(tenant, resourceId, Meter.SERVER_HOURS, flavor, start), tenant, resourceId,
                UsageData.ec2InstanceId(resource), "aws", "eu-west-1", Meter.SERVER_HOURS, flavor, start, hours[hour + 1],
                quantity.multiply(BigDecimal.valueOf(3600)).longValue(), quantity);
    }

    /** Skydeck's records in a shuffled order, generated as they are consumed. */
    Iterator<UsageRecord> usageRecords() {
        return new Iterator<>() {
            long i;

            @Override
            public boolean hasNext() {
                return i < records;
            }

            @Override
            public UsageRecord next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return usageRecord(meteredKey(permuted(i++, records, 738_457)));
            }
        };
    }

    /** Writes the CUR in a shuffled order, other than the records'. */
    void writeCur(Path file) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(CUR_HEADER);
            w.write('\n');
            StringBuilder line = new StringBuilder(400);
            for (long i = 0; i < records; i++) {
                long key = billedKey(permuted(i, records, 611_953));
                line.setLength(0);
                curLine(key, line);
                w.append(line);
            }
        }
    }

    private void curLine(long key, StringBuilder out) {
        long resource = resource(key);
        int hour = (int) (key % HOURS);
        int flavor = flavor(resource);
        Slot slot = slot(key);
        BigDecimal quantity = slot == Slot.NOT_METERED ? BigDecimal.ONE : meteredQuantity(key);
        if (slot == Slot.QUANTITY) {
            quantity = quantity.multiply(BILLED_SHARE);
        }
        BigDecimal rate = slot == Slot.PRICE ? LIST_PRICES[flavor].multiply(PRICE_DRIFT) : LIST_PRICES[flavor];
        BigDecimal list = money(quantity.multiply(rate));
        boolean reserved = slot == Slot.RESERVED;
        out.append(Long.toString(key * 0x5DEECE66DL & Long.MAX_VALUE, 36)).append(",123456789012,210987654321,")
                .append(reserved ? "DiscountedUsage" : "Usage").append(',')
                .append(hours[hour]).append(',').append(hours[hour + 1]).append(",AmazonEC2,EUW1-BoxUsage:").append(FLAVORS[flavor])
                .append(',').append(UsageData.ec2InstanceId(resource)).append(',').append(quantity.toPlainString()).append(",USD,")
                .append(reserved ? "0" : rate.toPlainString()).append(',').append(reserved ? "0" : list.toPlainString()).append(',')
                .append(rate.toPlainString()).append(',').append(list.toPlainString()).append(",Hrs,eu-west-1,");
        if (reserved) {
            out.append(money(list.multiply(RESERVED)).toPlainString())
                    .append(",arn:aws:ec2:eu-west-1:210987654321:reserved-instances/ri-").append(resource % 50);
        } else {
            out.append(',');
        }
        out.append(",\"").append(reserved ? "Linux/UNIX (Amazon VPC), " + FLAVORS[flavor] + " reserved instance applied"
                : "$" + rate.toPlainString() + " per On Demand Linux " + FLAVORS[flavor] + " Instance Hour").append("\"\n");
    }

    static BigDecimal money(BigDecimal amount) {
        return amount.setScale(10, RoundingMode.HALF_EVEN);
    }

    // --- the Reconciler side

    ReconciliationRun reconcile(Path cur) throws IOException {
        Reconciler reconciler = new Reconciler(Clock.systemUTC(), Tolerance.standard(), Granularity.HOUR, AwsUsageTypes::of,
                Path.of(System.getProperty("java.io.tmpdir")), Reconciler.DEFAULT_RUN_SIZE);
        Iterator<UsageRecord> usage = usageRecords();
        // Skydeck expects AWS's on-demand price for every hour: list and effective alike.
        Iterator<MeteredLine> ours = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return usage.hasNext();
            }

            @Override
            public MeteredLine next() {
                UsageRecord r = usage.next();
                BigDecimal price = LIST_PRICES[flavorIndex(r.flavor())];
                return MeteredLine.of(r, AwsUsageTypes.of(r).orElseThrow(), price, price);
            }
        };
        try (InputStream in = Files.newInputStream(cur); BillImport bill = BillImport.open(in)) {
            ReconciliationRun run = reconciler.run(PERIOD, "aws", ours, bill, d -> { });
            if (bill.lines() != records) {
                throw new IllegalStateException("read " + bill.lines() + " bill lines, wrote " + records);
            }
            return run;
        }
    }

    static int flavorIndex(String flavor) {
        for (int i = 0; i < FLAVORS.length; i++) {
            if (FLAVORS[i].equals(flavor)) {
                return i;
            }
        }
        throw new IllegalArgumentException(flavor);
    }

    // --- the SQL side

    String lastSqlDetail = "";

    void createTables(Connection c) throws SQLException {
        BenchDatabase.execute(c, BenchDatabase.migration("V4__usage.sql"),
                // V4's columns, none of its indexes: a load-then-query job would not maintain them.
                "CREATE TABLE usage_in (LIKE usage_record INCLUDING DEFAULTS)",
                "CREATE TABLE cur_in (line_item_id text, payer_account_id text, usage_account_id text, line_item_type text,"
                        + " usage_start_date timestamptz, usage_end_date timestamptz, product_code text, usage_type text,"
                        + " resource_id text, usage_amount numeric, currency_code text, unblended_rate numeric, unblended_cost numeric,"
                        + " public_on_demand_rate numeric, public_on_demand_cost numeric, pricing_unit text, region text,"
                        + " reservation_effective_cost numeric, reservation_arn text, line_item_description text)",
                "CREATE TABLE provider_price (provider text, flavor text, list_unit_price numeric, effective_unit_price numeric)");
        try (PreparedStatement p = c.prepareStatement("INSERT INTO provider_price VALUES ('aws', ?, ?, ?)")) {
            for (int i = 0; i < FLAVORS.length; i++) {
                p.setString(1, FLAVORS[i]);
                p.setBigDecimal(2, LIST_PRICES[i]);
                p.setBigDecimal(3, LIST_PRICES[i]);
                p.executeUpdate();
            }
        }
    }

    void truncate(Connection c) throws SQLException {
        BenchDatabase.execute(c, "TRUNCATE usage_in, cur_in");
        BenchDatabase.checkpoint(c);
    }

    Map<Discrepancy.Kind, Long> sql(Connection c, Path cur) throws SQLException, IOException {
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        long t0 = System.nanoTime();
        CopyIn in = copy.copyIn("COPY usage_in (id, tenant_id, resource_id, provider_resource_id, provider, region, meter, flavor,"
                + " period_start, period_end, seconds, quantity, billing_period, metered_at) FROM STDIN");
        StringBuilder sb = new StringBuilder(1 << 17);
        String meteredAt = PERIOD.end().toString();
        for (Iterator<UsageRecord> it = usageRecords(); it.hasNext(); ) {
            UsageRecord r = it.next();
            sb.append(r.id()).append('\t').append(r.tenantId()).append('\t').append(r.resourceId()).append('\t')
                    .append(r.providerResourceId()).append('\t').append(r.provider()).append('\t').append(r.region()).append('\t')
                    .append(r.meter().name()).append('\t').append(r.flavor()).append('\t').append(r.start()).append('\t')
                    .append(r.end()).append('\t').append(r.seconds()).append('\t').append(r.quantity().toPlainString()).append('\t')
                    .append(r.period()).append('\t').append(meteredAt).append('\n');
            if (sb.length() >= 1 << 16) {
                byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
                in.writeToCopy(bytes, 0, bytes.length);
                sb.setLength(0);
            }
        }
        byte[] rest = sb.toString().getBytes(StandardCharsets.UTF_8);
        in.writeToCopy(rest, 0, rest.length);
        long usageRows = in.endCopy();
        long t1 = System.nanoTime();
        long curRows;
        try (InputStream file = Files.newInputStream(cur)) {
            curRows = copy.copyIn("COPY cur_in FROM STDIN (FORMAT csv, HEADER true)", file, 1 << 16);
        }
        long t2 = System.nanoTime();
        BenchDatabase.execute(c, "ANALYZE usage_in", "ANALYZE cur_in", "SET work_mem TO '64MB'");
        long t3 = System.nanoTime();
        Map<Discrepancy.Kind, Long> counts = new EnumMap<>(Discrepancy.Kind.class);
        BigDecimal ours = BigDecimal.ZERO;
        BigDecimal theirs = BigDecimal.ZERO;
        try (PreparedStatement q = c.prepareStatement(CLASSIFY)) {
            OffsetDateTime from = PERIOD.start().atOffset(ZoneOffset.UTC);
            OffsetDateTime to = PERIOD.end().atOffset(ZoneOffset.UTC);
            q.setObject(1, from);
            q.setObject(2, to);
            q.setObject(3, from);
            q.setObject(4, to);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    counts.put(Discrepancy.Kind.valueOf(rs.getString(1)), rs.getLong(2));
                    ours = ours.add(rs.getBigDecimal(3) == null ? BigDecimal.ZERO : rs.getBigDecimal(3));
                    theirs = theirs.add(rs.getBigDecimal(4) == null ? BigDecimal.ZERO : rs.getBigDecimal(4));
                }
            }
        }
        long t4 = System.nanoTime();
        lastSqlDetail = String.format(Locale.ROOT, "COPY %d usage rows %.2f s, COPY %d CUR lines %.2f s, ANALYZE %.2f s, join %.2f s;"
                        + " effective cost ours %s, theirs %s", usageRows, (t1 - t0) / 1e9, curRows, (t2 - t1) / 1e9, (t3 - t2) / 1e9,
                (t4 - t3) / 1e9, ours, theirs);
        return counts;
    }

    private static String within(String a, String b, String absolute, String relative) {
        return "(abs(" + a + " - " + b + ") <= " + absolute + " OR abs(" + a + " - " + b + ") <= greatest(abs(" + a + "), abs(" + b
                + ")) * " + relative + ")";
    }

    /** Reconciler's rules in SQL: both sides summed per key, then the same tests in the same order. */
    static final String CLASSIFY = "WITH ours AS ("
            + " SELECT u.provider_resource_id AS resource_id, 'BoxUsage:' || u.flavor AS usage_type,"
            + "        date_trunc('hour', u.period_start) AS hour, sum(u.quantity) AS quantity,"
            + "        sum(u.quantity * p.list_unit_price) AS list_cost, sum(u.quantity * p.effective_unit_price) AS effective_cost"
            + " FROM usage_in u JOIN provider_price p ON p.provider = 'aws' AND p.flavor = u.flavor"
            + " WHERE u.provider = 'aws' AND u.meter = 'SERVER_HOURS' AND u.period_start >= ? AND u.period_start < ?"
            + " GROUP BY 1, 2, 3),"
            + " theirs AS ("
            + " SELECT resource_id,"
            + "        CASE WHEN usage_type LIKE 'DataTransfer%' THEN usage_type"
            + "             ELSE regexp_replace(usage_type, '^[A-Z0-9]{1,5}-', '') END AS usage_type,"
            + "        date_trunc('hour', usage_start_date) AS hour, sum(coalesce(usage_amount, 0)) AS quantity,"
            + "        sum(coalesce(public_on_demand_cost, unblended_cost)) AS list_cost,"
            + "        sum(CASE WHEN line_item_type = 'DiscountedUsage' THEN coalesce(reservation_effective_cost, unblended_cost)"
            + "                 ELSE unblended_cost END) AS effective_cost,"
            + "        max(reservation_arn) AS commitment_id"
            + " FROM cur_in"
            + " WHERE line_item_type IN ('Usage', 'DiscountedUsage') AND resource_id IS NOT NULL"
            + "   AND usage_start_date >= ? AND usage_start_date < ?"
            + " GROUP BY 1, 2, 3),"
            + " classified AS ("
            + " SELECT CASE WHEN t.resource_id IS NULL THEN 'MISSING_FROM_PROVIDER_BILL'"
            + "             WHEN o.resource_id IS NULL THEN 'UNKNOWN_TO_SKYDECK'"
            + "             WHEN NOT " + within("o.quantity", "t.quantity", "0.001", "0.001") + " THEN 'QUANTITY_MISMATCH'"
            + "             WHEN " + within("o.effective_cost", "t.effective_cost", "0.01", "0.001") + " THEN 'MATCHED'"
            + "             WHEN " + within("o.list_cost", "t.list_cost", "0.01", "0.001")
            + "                  AND (t.commitment_id IS NOT NULL OR NOT " + within("o.list_cost", "o.effective_cost", "0.01", "0.001") + ")"
            + "                  THEN 'COMMITMENT_DISCOUNT_EFFECT'"
            + "             ELSE 'PRICE_MISMATCH' END AS kind,"
            + "        o.effective_cost AS ours, t.effective_cost AS theirs"
            + " FROM ours o FULL OUTER JOIN theirs t"
            + "   ON o.resource_id = t.resource_id AND o.usage_type = t.usage_type AND o.hour = t.hour)"
            + " SELECT kind, count(*), sum(ours), sum(theirs) FROM classified GROUP BY kind";

    /**
     * Heap use while the Reconciler runs: the largest total sampled every 5 ms, the pools' own
     * peaks (reset at the start; their sum over-states, as the pools peak at different times).
     */
    static final class HeapWatch {
        private final AtomicLong sampled = new AtomicLong();
        private volatile boolean running = true;
        private final Thread sampler;

        private HeapWatch() {
            sampler = new Thread(() -> {
                var memory = ManagementFactory.getMemoryMXBean();
                while (running) {
                    sampled.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            sampler.setDaemon(true);
        }

        static HeapWatch start() {
            System.gc(); // start from what is live, not from the previous pass's garbage
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
            HeapWatch w = new HeapWatch();
            w.sampler.start();
            return w;
        }

        void stop() throws InterruptedException {
            running = false;
            sampler.join();
            sampled.accumulateAndGet(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), Math::max);
        }

        double sampledPeakMiB() {
            return sampled.get() / 1048576.0;
        }

        double poolPeaksMiB() {
            return ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                    .mapToLong(p -> p.getPeakUsage().getUsed()).sum() / 1048576.0;
        }
    }
}
