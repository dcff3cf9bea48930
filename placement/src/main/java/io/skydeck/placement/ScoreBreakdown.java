package io.skydeck.placement;

import java.util.List;

/**
 * Why the chosen host won: each weigher's contribution. {@code total} is the sum of the
 * weighted scores, added in list order — the very number the engine compared.
 */
public record ScoreBreakdown(List<WeigherScore> weighers, double total) {

    public ScoreBreakdown {
        weighers = List.copyOf(weighers);
    }

    static ScoreBreakdown of(List<WeigherScore> weighers) {
        double total = 0;
        for (WeigherScore w : weighers) {
            total += w.weighted();
        }
        return new ScoreBreakdown(weighers, total);
    }

    /**
     * One weigher's view of the chosen host. {@code raw} is in the weigher's own unit (cost: price
     * per hour; pack/spread: the host's mean utilisation after placement, 0..1); {@code normalised}
     * maps it onto 0..1 across all hosts that passed the filters, 1 being the best of them;
     * {@code weighted} = weight × normalised.
     */
    public record WeigherScore(String weigher, double raw, double normalised, double weight, double weighted) {
    }
}
