package io.skydeck.placement;

import java.util.Objects;

/**
 * How hosts that pass the filters are ranked: weight × normalised score per weigher, summed
 * (weighers: cost, pack or spread, gpu-reserve).
 * {@link Packing#PACK} fills the busiest host that fits (fewer hosts in use, room for large
 * requests); {@link Packing#SPREAD} prefers the emptiest (blast radius, noisy neighbours).
 */
public record PlacementPolicy(double costWeight, double packingWeight, Packing packing, double gpuReserveWeight) {

    public enum Packing { PACK, SPREAD }

    public PlacementPolicy {
        Objects.requireNonNull(packing, "packing");
        if (!(valid(costWeight) && valid(packingWeight) && valid(gpuReserveWeight))) {
            throw new IllegalArgumentException("weights must be finite and not negative: cost " + costWeight
                    + ", packing " + packingWeight + ", gpu-reserve " + gpuReserveWeight);
        }
    }

    /** Cost and packing as given; GPU hosts are kept for GPU work with weight 1. */
    public PlacementPolicy(double costWeight, double packingWeight, Packing packing) {
        this(costWeight, packingWeight, packing, 1.0);
    }

    private static boolean valid(double weight) {
        return weight >= 0 && Double.isFinite(weight);
    }

    /** Cost, packing and GPU reserve weigh the same; pack. */
    public static PlacementPolicy defaults() {
        return new PlacementPolicy(1.0, 1.0, Packing.PACK, 1.0);
    }
}
