package io.skydeck.capacity;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.skydeck.placement.PlacementDecision;
import io.skydeck.placement.PlacementTarget;
import io.skydeck.placement.ScoreBreakdown;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Why a resource landed where it did: the target, how each weigher scored it, and for every
 * other host which filter turned it away — counted per filter, never a line per host — and how
 * many hosts were left unexamined because enough candidates had been found before them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PlacementExplanation(String outcome, String decidedBy, Target target, BigDecimal hourlyPrice,
                                   Score score, int hostsConsidered, Integer hostsPassed, Integer hostsUnexamined,
                                   Map<String, Integer> rejectedBy, String reason) {

    public record Target(String provider, String kind, String region, String zone, String host) {
        static Target of(PlacementTarget t) {
            return new Target(t.provider(), t.kind().name().toLowerCase(), t.region(), t.zone(), t.hostId());
        }
    }

    public record Score(double total, List<ScoreBreakdown.WeigherScore> weighers) {
    }

    public static PlacementExplanation of(PlacementDecision decision, String decidedBy) {
        return decision.fold(
                placed -> new PlacementExplanation("placed", decidedBy, Target.of(placed.target()), placed.hourlyPrice(),
                        new Score(placed.score().total(), placed.score().weighers()), placed.hostsConsidered(),
                        placed.hostsPassed(), placed.hostsUnexamined(), placed.rejectedBy(), null),
                unplaceable -> new PlacementExplanation("unplaceable", decidedBy, null, null, null,
                        unplaceable.hostsConsidered(), null, null, unplaceable.rejectedBy(), unplaceable.reason()));
    }
}
