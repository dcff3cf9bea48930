package io.skydeck.placement;

/**
 * Rejects a host without enough free vCPU, memory or GPU for the demand. Most hosts it rejects in
 * bulk, through the free-capacity index ({@link CapacityBuckets}); this is the exact check of one.
 */
final class CapacityFilter {

    static final String NAME = "capacity";

    private CapacityFilter() {
    }

    static boolean fits(HostTable table, int host, int vcpu, long memory, int gpu) {
        return table.freeVcpu[host] >= vcpu && table.freeMemory[host] >= memory && table.freeGpu[host] >= gpu;
    }
}
