package io.skydeck.placement;

import java.util.Arrays;

/**
 * The hosts of one provider's zone, with a summary of their free capacity. Every host of a zone
 * shares provider, kind, region and zone, so those filters decide for the whole zone at once;
 * the per-dimension maximum of free capacity lets a request skip a zone where no host can fit.
 */
final class Zone {

    final int index;
    final String provider;
    final ProviderKind kind;
    final String region;
    final String name;

    int[] hosts = new int[64];
    int size;

    // Largest free amount of any host, per dimension (not necessarily the same host): a bound, not a fit.
    int maxFreeVcpu;
    long maxFreeMemory;
    int maxFreeGpu;
    // Set when the host holding a maximum shrank; recomputed on next use, not on every placement.
    boolean summaryStale;

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

    void refreshSummary(HostTable table) {
        if (!summaryStale) {
            return;
        }
        int v = 0;
        long m = 0;
        int g = 0;
        for (int k = 0; k < size; k++) {
            int i = hosts[k];
            v = Math.max(v, table.freeVcpu[i]);
            m = Math.max(m, table.freeMemory[i]);
            g = Math.max(g, table.freeGpu[i]);
        }
        maxFreeVcpu = v;
        maxFreeMemory = m;
        maxFreeGpu = g;
        summaryStale = false;
    }

    ZoneCapacity capacity() {
        return new ZoneCapacity(provider, kind, region, name, size, hostsInUse,
                new Resources(Math.toIntExact(capacityVcpu), capacityMemory, Math.toIntExact(capacityGpu)),
                new Resources(Math.toIntExact(freeVcpu), freeMemory, Math.toIntExact(freeGpu)));
    }
}
