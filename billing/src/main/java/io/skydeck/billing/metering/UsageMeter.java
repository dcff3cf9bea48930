package io.skydeck.billing.metering;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a {@link ResourceTimeline} into hourly {@link UsageRecord}s for a time window.
 *
 * <p>Within an hour a resource may change shape (resize) or stop and start again; the meter
 * accumulates the exact numerator amount × seconds per (meter, flavor, hour) and divides by 3600
 * once, so two half-hours at 2 and 4 vCPUs give exactly 3 vCPU-hours. An open (still running)
 * segment is metered up to {@code now}; the record of the current hour is therefore partial and is
 * replaced, under the same id, when the hour is metered again later.
 */
public final class UsageMeter {

    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
    private static final BigDecimal MIB_PER_GIB = BigDecimal.valueOf(1024);
    private static final BigDecimal BYTES_PER_GB = BigDecimal.valueOf(1_000_000_000L);

    private record BucketKey(Instant hour, Meter meter, String flavor) implements Comparable<BucketKey> {
        @Override
        public int compareTo(BucketKey o) {
            int c = hour.compareTo(o.hour);
            if (c == 0) {
                c = meter.compareTo(o.meter);
            }
            return c != 0 ? c : flavor.compareTo(o.flavor);
        }
    }

    private static final class Bucket {
        BigDecimal unitSeconds = BigDecimal.ZERO;
        long seconds;
    }

    private UsageMeter() {
    }

    /**
     * Usage of every resource in the events in [from, min(to, now)), ordered by resource id, then
     * hour, meter and flavor. This is the pure entry point a service calls with the events it has
     * stored; the same events always give the same records.
     */
    public static List<UsageRecord> meterAll(Collection<LifecycleEvent> events, Instant from, Instant to, Instant now) {
        Map<String, List<LifecycleEvent>> byResource = new TreeMap<>();
        for (LifecycleEvent e : events) {
            byResource.computeIfAbsent(e.resourceId(), k -> new ArrayList<>()).add(e);
        }
        List<UsageRecord> out = new ArrayList<>();
        for (List<LifecycleEvent> resourceEvents : byResource.values()) {
            out.addAll(meter(ResourceTimeline.of(resourceEvents), from, to, now));
        }
        return out;
    }

    /** Usage of the resource in [from, min(to, now)), ordered by hour, meter and flavor. */
    public static List<UsageRecord> meter(ResourceTimeline timeline, Instant from, Instant to, Instant now) {
        Instant until = now.isBefore(to) ? now : to;
        Map<BucketKey, Bucket> buckets = new TreeMap<>();
        ResourceKind kind = timeline.identity().resourceKind();
        for (ResourceTimeline.Segment s : timeline.segments()) {
            Instant start = s.start().isAfter(from) ? s.start() : from;
            Instant end = s.end() == null || s.end().isAfter(until) ? until : s.end();
            if (!start.isBefore(end)) {
                continue;
            }
            List<Map.Entry<Meter, BigDecimal>> amounts = amountsPerSecond(kind, s);
            for (Instant hour = start.truncatedTo(ChronoUnit.HOURS); hour.isBefore(end); hour = hour.plus(1, ChronoUnit.HOURS)) {
                Instant sliceStart = hour.isAfter(start) ? hour : start;
                Instant hourEnd = hour.plus(1, ChronoUnit.HOURS);
                Instant sliceEnd = hourEnd.isBefore(end) ? hourEnd : end;
                long seconds = ChronoUnit.SECONDS.between(sliceStart, sliceEnd);
                if (seconds == 0) {
                    continue;
                }
                for (Map.Entry<Meter, BigDecimal> a : amounts) {
                    String flavor = a.getKey() == Meter.SERVER_HOURS ? s.spec().flavor() : "";
                    Bucket b = buckets.computeIfAbsent(new BucketKey(hour, a.getKey(), flavor), k -> new Bucket());
                    b.unitSeconds = b.unitSeconds.add(a.getValue().multiply(BigDecimal.valueOf(seconds)));
                    b.seconds += seconds;
                }
            }
        }
        for (ResourceTimeline.EgressSample e : timeline.egress()) {
            if (!e.at().isBefore(from) && e.at().isBefore(until)) {
                Bucket b = buckets.computeIfAbsent(new BucketKey(e.at().truncatedTo(ChronoUnit.HOURS), Meter.EGRESS_GB, ""), k -> new Bucket());
                b.unitSeconds = b.unitSeconds.add(BigDecimal.valueOf(e.bytes()));
            }
        }
        LifecycleEvent id = timeline.identity();
        List<UsageRecord> records = new ArrayList<>(buckets.size());
        buckets.forEach((k, b) -> {
            BigDecimal quantity = k.meter() == Meter.EGRESS_GB
                    ? b.unitSeconds.divide(BYTES_PER_GB, UsageRecord.QUANTITY_SCALE, RoundingMode.HALF_EVEN)
                    : b.unitSeconds.divide(SECONDS_PER_HOUR, UsageRecord.QUANTITY_SCALE, RoundingMode.HALF_EVEN);
            if (quantity.signum() == 0) {
                return;
            }
            records.add(new UsageRecord(
                    UsageRecord.stableId(id.tenantId(), id.resourceId(), k.meter(), k.flavor(), k.hour()),
                    id.tenantId(), id.resourceId(), id.providerResourceId(), id.provider(), id.region(),
                    k.meter(), k.flavor(), k.hour(), k.hour().plus(1, ChronoUnit.HOURS), b.seconds, quantity));
        });
        return records;
    }

    /** Units accrued per second of the segment, by meter. Zero amounts are left out. */
    private static List<Map.Entry<Meter, BigDecimal>> amountsPerSecond(ResourceKind kind, ResourceTimeline.Segment s) {
        ResourceSpec spec = s.spec();
        List<Map.Entry<Meter, BigDecimal>> out = new ArrayList<>(5);
        switch (kind) {
            case SERVER -> {
                if (s.running()) {
                    out.add(Map.entry(Meter.SERVER_HOURS, BigDecimal.ONE));
                    add(out, Meter.VCPU_HOURS, spec.vcpus());
                    add(out, Meter.MEMORY_GIB_HOURS, gib(spec.memoryMib()));
                    add(out, Meter.GPU_HOURS, BigDecimal.valueOf(spec.gpus()));
                }
                add(out, Meter.PUBLIC_IP_HOURS, BigDecimal.valueOf(spec.publicIps()));
            }
            case CONTAINER -> {
                if (s.running()) {
                    add(out, Meter.CONTAINER_VCPU_HOURS, spec.vcpus());
                    add(out, Meter.CONTAINER_GIB_HOURS, gib(spec.memoryMib()));
                }
                add(out, Meter.PUBLIC_IP_HOURS, BigDecimal.valueOf(spec.publicIps()));
            }
            case PUBLIC_IP -> add(out, Meter.PUBLIC_IP_HOURS, BigDecimal.valueOf(Math.max(1, spec.publicIps())));
        }
        return out;
    }

    // MiB → GiB is exact: 1/1024 = 2^-10 has a terminating decimal expansion (scale ≤ 10).
    private static BigDecimal gib(long mib) {
        return BigDecimal.valueOf(mib).divide(MIB_PER_GIB);
    }

    private static void add(List<Map.Entry<Meter, BigDecimal>> out, Meter meter, BigDecimal amount) {
        if (amount.signum() > 0) {
            out.add(Map.entry(meter, amount));
        }
    }
}
