package io.skydeck.placement;

/**
 * Keeps GPU hosts for GPU work: a request without GPUs scores 0 on a host that has them and 1
 * elsewhere, so CPU work lands there only when cheaper or fuller hosts are gone. Without it,
 * packing fills the vCPUs of GPU hosts and later GPU requests find GPUs but no vCPU to go with
 * them. (The idea is Nova's PCI weigher.) A GPU request scores 1 everywhere it fits.
 */
final class GpuReserveWeigher {

    static final String NAME = "gpu-reserve";

    private GpuReserveWeigher() {
    }

    static double raw(HostTable t, int host, int gpuDemand) {
        return gpuDemand == 0 && t.capacityGpu[host] > 0 ? 0.0 : 1.0;
    }

    /** Already on 0..1; when every survivor scores the same, all are equally good: 1. */
    static double normalise(double raw, double lowest, double highest) {
        return highest == lowest ? 1.0 : raw;
    }
}
