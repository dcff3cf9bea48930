package io.skydeck.billing.reconciliation;

import io.skydeck.billing.bills.BillLine;
import io.skydeck.billing.metering.BillingPeriod;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Matches Skydeck's metered usage against one provider bill for a period.
 *
 * <p><b>Why sort-merge.</b> A million lines a side must reconcile in a 256 MB heap. A hash of one
 * side costs a few hundred bytes per key in Java objects (strings, BigDecimals, map nodes): too
 * close to the limit at 1M and unbounded beyond. Instead each side is sorted by key with an
 * {@link ExternalSorter} (runs of {@code runSize} lines spilled to temp files, then merged), equal
 * keys are summed on the fly, and the two sorted streams are merged like a SQL merge join. The heap
 * holds one run while sorting and one line per run while merging, whatever the input size; the
 * cost is writing both sides to disk once, which is sequential I/O. Discrepancies are streamed to
 * a sink and only the small per-provider/tenant/service totals stay in memory.
 */
public final class Reconciler {

    public static final int DEFAULT_RUN_SIZE = 100_000;
    static final String UNALLOCATED = "(unallocated)";

    private record Entry(String key, Side side) {
    }

    private final Clock clock;
    private final Tolerance tolerance;
    private final Granularity granularity;
    private final Function<BillLine, String> usageTypeOfBillLine;
    private final Path tempDir;
    private final int runSize;

    public Reconciler(Clock clock, Tolerance tolerance, Granularity granularity, Function<BillLine, String> usageTypeOfBillLine,
                      Path tempDir, int runSize) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tolerance = Objects.requireNonNull(tolerance, "tolerance");
        this.granularity = Objects.requireNonNull(granularity, "granularity");
        this.usageTypeOfBillLine = Objects.requireNonNull(usageTypeOfBillLine, "usageTypeOfBillLine");
        this.tempDir = Objects.requireNonNull(tempDir, "tempDir");
        if (runSize < 1) {
            throw new IllegalArgumentException("runSize must be positive");
        }
        this.runSize = runSize;
    }

    /**
     * Reconciles {@code provider}'s bill lines with Skydeck's metered lines of that provider.
     * Lines outside the period are skipped; every key of either side reaches the sink once.
     */
    public ReconciliationRun run(BillingPeriod period, String provider, Iterator<MeteredLine> ours, Iterator<BillLine> theirs,
                                 Consumer<Discrepancy> sink) {
        var startedAt = clock.instant();
        Map<Discrepancy.Kind, Long> counts = new EnumMap<>(Discrepancy.Kind.class);
        Map<String, Totals> byProvider = new TreeMap<>();
        Map<String, Totals> byTenant = new TreeMap<>();
        Map<String, Totals> byService = new TreeMap<>();
        long[] read = new long[3]; // metered, bill, account-level

        Iterator<Entry> ourEntries = new Filtered<>(ours, m -> {
            if (!m.provider().equals(provider) || !period.contains(m.start())) {
                return null;
            }
            read[0]++;
            String key = new ReconciliationKey(provider, m.providerResourceId(), m.usageType(), granularity.truncate(m.start())).encoded();
            return new Entry(key, new Side(m.tenantId(), m.service(), m.quantity(), m.listCost(), m.effectiveCost(), null));
        });
        Iterator<Entry> theirEntries = new Filtered<>(theirs, b -> {
            if (!period.contains(b.chargePeriodStart())) {
                return null;
            }
            read[1]++;
            BigDecimal list = b.listCost() != null ? b.listCost() : b.billedCost();
            if (b.resourceId() == null || !"Usage".equals(b.chargeCategory())) {
                read[2]++;
                Totals t = new Totals(BigDecimal.ZERO, BigDecimal.ZERO, list, b.effectiveCost());
                add(byProvider, provider, t);
                add(byTenant, UNALLOCATED, t);
                add(byService, b.serviceName() == null ? UNALLOCATED : b.serviceName(), t);
                return null;
            }
            String key = new ReconciliationKey(provider, b.resourceId(), usageTypeOfBillLine.apply(b), granularity.truncate(b.chargePeriodStart())).encoded();
            BigDecimal quantity = b.quantity() != null ? b.quantity() : BigDecimal.ZERO;
            return new Entry(key, new Side(null, b.serviceName(), quantity, list, b.effectiveCost(), b.commitmentDiscountId()));
        });

        Comparator<Entry> byKey = Comparator.comparing(Entry::key);
        try (ExternalSorter<Entry> ourSorter = new ExternalSorter<>(byKey, CODEC, tempDir, runSize);
             ExternalSorter<Entry> theirSorter = new ExternalSorter<>(byKey, CODEC, tempDir, runSize)) {
            PeekingSums a = new PeekingSums(ourSorter.sort(ourEntries));
            PeekingSums b = new PeekingSums(theirSorter.sort(theirEntries));
            while (a.peek() != null || b.peek() != null) {
                int c = a.peek() == null ? 1 : b.peek() == null ? -1 : a.peek().key().compareTo(b.peek().key());
                Entry mine = c <= 0 ? a.take() : null;
                Entry other = c >= 0 ? b.take() : null;
                Discrepancy d = classify(mine, other);
                counts.merge(d.kind(), 1L, Long::sum);
                Side ourSide = mine == null ? null : mine.side();
                Side theirSide = other == null ? null : other.side();
                Totals t = new Totals(
                        ourSide == null ? BigDecimal.ZERO : ourSide.listCost(), ourSide == null ? BigDecimal.ZERO : ourSide.effectiveCost(),
                        theirSide == null ? BigDecimal.ZERO : theirSide.listCost(), theirSide == null ? BigDecimal.ZERO : theirSide.effectiveCost());
                add(byProvider, provider, t);
                add(byTenant, ourSide != null && ourSide.tenantId() != null ? ourSide.tenantId() : UNALLOCATED, t);
                String service = ourSide != null && ourSide.service() != null ? ourSide.service()
                        : theirSide != null && theirSide.service() != null ? theirSide.service() : UNALLOCATED;
                add(byService, service, t);
                sink.accept(d);
            }
        }
        return new ReconciliationRun("recon-" + UUID.randomUUID(), period, granularity, startedAt, clock.instant(),
                read[0], read[1], read[2], counts, byProvider, byTenant, byService, null, null);
    }

    private Discrepancy classify(Entry mine, Entry other) {
        if (other == null) {
            return new Discrepancy.MissingFromProviderBill(ReconciliationKey.decode(mine.key()), mine.side());
        }
        ReconciliationKey key = ReconciliationKey.decode(other.key());
        if (mine == null) {
            return new Discrepancy.UnknownToSkydeck(key, other.side());
        }
        Side s = mine.side();
        Side p = other.side();
        if (!tolerance.sameQuantity(s.quantity(), p.quantity())) {
            return new Discrepancy.QuantityMismatch(key, s, p);
        }
        if (tolerance.sameMoney(s.effectiveCost(), p.effectiveCost())) {
            return new Discrepancy.Matched(key, s, p);
        }
        // Effective costs differ. If list costs agree, the difference is a discount we did or did
        // not expect: a commitment on the provider side (or on ours) explains it.
        boolean listAgrees = tolerance.sameMoney(s.listCost(), p.listCost());
        boolean commitmentInPlay = p.commitmentId() != null || !tolerance.sameMoney(s.listCost(), s.effectiveCost());
        if (listAgrees && commitmentInPlay) {
            return new Discrepancy.CommitmentDiscountEffect(key, s, p);
        }
        return new Discrepancy.PriceMismatch(key, s, p);
    }

    private static void add(Map<String, Totals> totals, String name, Totals t) {
        totals.merge(name, t, Totals::plus);
    }

    /** A sorted entry stream with equal keys summed into one entry. */
    private static final class PeekingSums {
        private final Iterator<Entry> in;
        private Entry pending;
        private Entry head;

        PeekingSums(Iterator<Entry> in) {
            this.in = in;
            this.pending = in.hasNext() ? in.next() : null;
            advance();
        }

        Entry peek() {
            return head;
        }

        Entry take() {
            Entry h = head;
            advance();
            return h;
        }

        private void advance() {
            if (pending == null) {
                head = null;
                return;
            }
            Entry sum = pending;
            pending = null;
            while (in.hasNext()) {
                Entry e = in.next();
                if (!e.key().equals(sum.key())) {
                    pending = e;
                    break;
                }
                sum = new Entry(sum.key(), sum.side().plus(e.side()));
            }
            head = sum;
        }
    }

    /** Maps and drops (mapper returns null) lazily. */
    private static final class Filtered<A> implements Iterator<Entry> {
        private final Iterator<A> in;
        private final Function<A, Entry> mapper;
        private Entry next;

        Filtered(Iterator<A> in, Function<A, Entry> mapper) {
            this.in = in;
            this.mapper = mapper;
        }

        @Override
        public boolean hasNext() {
            while (next == null && in.hasNext()) {
                next = mapper.apply(in.next());
            }
            return next != null;
        }

        @Override
        public Entry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Entry e = next;
            next = null;
            return e;
        }
    }

    private static final ExternalSorter.Codec<Entry> CODEC = new ExternalSorter.Codec<>() {
        @Override
        public void write(DataOutputStream out, Entry e) throws IOException {
            out.writeUTF(e.key());
            Side s = e.side();
            writeNullable(out, s.tenantId());
            writeNullable(out, s.service());
            out.writeUTF(s.quantity().toString());
            out.writeUTF(s.listCost().toString());
            out.writeUTF(s.effectiveCost().toString());
            writeNullable(out, s.commitmentId());
        }

        @Override
        public Entry read(DataInputStream in) throws IOException {
            String key = in.readUTF();
            return new Entry(key, new Side(readNullable(in), readNullable(in), new BigDecimal(in.readUTF()),
                    new BigDecimal(in.readUTF()), new BigDecimal(in.readUTF()), readNullable(in)));
        }

        private void writeNullable(DataOutputStream out, String s) throws IOException {
            out.writeBoolean(s != null);
            if (s != null) {
                out.writeUTF(s);
            }
        }

        private String readNullable(DataInputStream in) throws IOException {
            return in.readBoolean() ? in.readUTF() : null;
        }
    };
}
