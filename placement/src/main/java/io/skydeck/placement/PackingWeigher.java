package io.skydeck.placement;

/**
 * Packs onto busy hosts or spreads onto idle ones. Its raw value is the host's utilisation after
 * the placement, averaged over vCPU, memory and — only on hosts that have GPUs — GPU. The
 * average makes a GPU host look emptier to a CPU-only request, so packing leaves GPU hosts to
 * GPU work where it can.
 */
final class PackingWeigher {

    private PackingWeigher() {
    }

    static String name(PlacementPolicy.Packing packing) {
        return packing == PlacementPolicy.Packing.PACK ? "pack" : "spread";
    }

    static double utilisationAfter(HostTable t, int i, int vcpu, long memory, int gpu) {
        double v = (t.capacityVcpu[i] - t.freeVcpu[i] + vcpu) * t.inverseVcpu[i];
        double m = (t.capacityMemory[i] - t.freeMemory[i] + memory) * t.inverseMemory[i];
        double g = (t.capacityGpu[i] - t.freeGpu[i] + gpu) * t.inverseGpu[i];
        return (v + m + g) * t.inverseDimensions[i];
    }

    /** 1 for the best host that passed the filters (busiest when packing, idlest when spreading), 0 for the worst. */
    static double normalise(PlacementPolicy.Packing packing, double utilisation, double lowest, double highest) {
        if (highest == lowest) {
            return 1.0;
        }
        return packing == PlacementPolicy.Packing.PACK
                ? (utilisation - lowest) / (highest - lowest)
                : (highest - utilisation) / (highest - lowest);
    }
}
