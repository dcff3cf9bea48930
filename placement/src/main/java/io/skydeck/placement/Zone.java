package io.skydeck.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The hosts of one provider's zone. Every host of a zone shares provider, kind, region and zone,
 * so those filters decide for the whole zone at once; its shelves hold the free-capacity index.
 */
final class Zone {

    final int index;
    final String provider;
    final ProviderKind kind;
    final String region;
    final String name;

    int[] hosts = new int[64];
    int size;

    /** The zone's hosts by rate and GPU: each shelf answers price and GPU class for all its hosts at once. */
    final List<CapacityBuckets> shelves = new ArrayList<>(2);

    long capacityVcpu, capacityMemory, capacityGpu;
    long freeVcpu, freeMemory, freeGpu;
    int hostsInUse;

    Zone(int index, String provider, ProviderKind kind, String region, String name) {
        this.index = index;
        this.provider = provider;
        this.kind = kind;
        this.region = region;
        this.name = name;
    }

    void add(int host) {
        if (size == hosts.length) {
            hosts = Arrays.copyOf(hosts, size * 2);
        }
        hosts[size++] = host;
    }

    /** The shelf for hosts of this zone with this rate and GPU class, made on first use. */
    CapacityBuckets shelf(int rate, boolean gpuHosts, List<CapacityBuckets> all) {
        for (CapacityBuckets shelf : shelves) {
            if (shelf.rate == rate && shelf.gpuHosts == gpuHosts) {
                return shelf;
            }
        }
        CapacityBuckets shelf = new CapacityBuckets(all.size(), this, rate, gpuHosts);
        all.add(shelf);
        shelves.add(shelf);
        return shelf;
    }

    ZoneCapacity capacity() {
        return new ZoneCapacity(provider, kind, region, name, size, hostsInUse,
                new Resources(Math.toIntExact(capacityVcpu), capacityMemory, Math.toIntExact(capacityGpu)),
                new Resources(Math.toIntExact(freeVcpu), freeMemory, Math.toIntExact(freeGpu)));
    }
}
