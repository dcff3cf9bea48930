package io.skydeck.bench;

import io.skydeck.billing.metering.Meter;
import io.skydeck.billing.metering.UsageRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import java.util.UUID;

/**
 * Deterministic metered usage as the service's metering produces it: for each virtual machine and
 * hour a server-hour, a vCPU-hour and a GiB-hour record, with partial first and last hours. The
 * record at an index is a pure function of (seed, index), so two passes see the same rows without
 * holding them, and ids are the real name-based UUIDs (random order in the primary key).
 */
final class UsageData {

    static final Instant START = Instant.parse("2024-01-01T00:00:00Z");
    static final String[] PROVIDERS = {"openstack-private", "aws-public", "k8s-platform"};
    static final String[] REGIONS = {"eu-1", "eu-2", "ap-1"};
    static final String[] FLAVORS = {"small", "medium", "large", "xlarge"};
    static final int[] FLAVOR_VCPU = {1, 2, 4, 8};
    static final int[] FLAVOR_GIB = {2, 4, 8, 32};
    private static final Meter[] METERS = {Meter.SERVER_HOURS, Meter.VCPU_HOURS, Meter.MEMORY_GIB_HOURS};

    final int hoursPerResource;
    private final long seed;
    private final String[] tenants;
    private final Instant[] hours;

    UsageData(long seed, int tenantCount, int hoursPerResource) {
        this.seed = seed;
        this.hoursPerResource = hoursPerResource;
        Random r = new Random(seed);
        tenants = new String[tenantCount];
        for (int i = 0; i < tenantCount; i++) {
            tenants[i] = new UUID(r.nextLong(), r.nextLong()).toString();
        }
        hours = new Instant[hoursPerResource + 1];
        for (int h = 0; h <= hoursPerResource; h++) {
            hours[h] = START.plus(h, ChronoUnit.HOURS);
        }
    }

    int recordsPerResource() {
        return hoursPerResource * METERS.length;
    }

    /** An EC2-shaped id ("i-" and 17 hex digits), scattered so that ids do not sort like indexes. */
    static String ec2InstanceId(long resource) {
        String hex = Long.toHexString((resource * 0x9E3779B97F4A7C15L) >>> 4);
        return "i-" + "00000000000000000".substring(hex.length()) + hex; // at most 15 digits after >>> 4
    }

    UsageRecord record(long index) {
        long resource = index / recordsPerResource();
        int hour = (int) (index / METERS.length % hoursPerResource);
        Meter meter = METERS[(int) (index % METERS.length)];
        Random r = new Random(seed * 31 + resource);
        String tenant = tenants[r.nextInt(tenants.length)];
        int flavor = r.nextInt(FLAVORS.length);
        int provider = r.nextInt(PROVIDERS.length);
        String region = REGIONS[r.nextInt(REGIONS.length)];
        int firstSeconds = 1 + r.nextInt(3600);
        int lastSeconds = 1 + r.nextInt(3600);
        long seconds = hour == 0 ? firstSeconds : hour == hoursPerResource - 1 ? lastSeconds : 3600;
        String resourceId = "vm-" + resource;
        String providerResourceId = ec2InstanceId(resource);
        int amount = switch (meter) {
            case VCPU_HOURS -> FLAVOR_VCPU[flavor];
            case MEMORY_GIB_HOURS -> FLAVOR_GIB[flavor];
            default -> 1;
        };
        String flavorName = meter == Meter.SERVER_HOURS ? FLAVORS[flavor] : "";
        BigDecimal quantity = BigDecimal.valueOf(amount * seconds)
                .divide(BigDecimal.valueOf(3600), UsageRecord.QUANTITY_SCALE, RoundingMode.HALF_EVEN);
        Instant start = hours[hour];
        return new UsageRecord(UsageRecord.stableId(tenant, resourceId, meter, flavorName, start), tenant, resourceId, providerResourceId,
                PROVIDERS[provider], region, meter, flavorName, start, hours[hour + 1], seconds, quantity);
    }
}
