package io.skydeck.placement;

/** Rejects a host without enough free vCPU, memory or GPU for the demand. */
final class CapacityFilter {

    static final String NAME = "capacity";

    private CapacityFilter() {
    }

    /** False when no host of the zone can fit, so the whole zone is rejected without a scan. */
    static boolean zoneMayFit(Zone zone, HostTable table, int vcpu, long memory, int gpu) {
        zone.refreshSummary(table);
        return zone.maxFreeVcpu >= vcpu && zone.maxFreeMemory >= memory && zone.maxFreeGpu >= gpu;
    }

    static boolean fits(HostTable table, int host, int vcpu, long memory, int gpu) {
        return table.freeVcpu[host] >= vcpu && table.freeMemory[host] >= memory && table.freeGpu[host] >= gpu;
    }
}
