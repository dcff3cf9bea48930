package io.skydeck.placement;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The outcome of one placement, explained. {@code rejectedBy} maps a filter's name to how many
 * hosts it rejected, in the order the filters run; each host is counted once, against the first
 * filter that rejected it, and filters that rejected nothing are left out.
 */
public sealed interface PlacementDecision permits PlacementDecision.Placed, PlacementDecision.Unplaceable {

    String requestId();

    /**
     * Hosts accounted for: every host of the inventory, or one for a manual placement. Each is
     * rejected by a filter, weighed, or (placed only) left unexamined once enough candidates were found.
     */
    int hostsConsidered();

    Map<String, Integer> rejectedBy();

    /**
     * Handles both outcomes; the compiler insists on both. (Java 17 has no pattern switch over
     * sealed types outside preview, so this is the exhaustive switch.)
     */
    <R> R fold(Function<Placed, R> placed, Function<Unplaceable, R> unplaceable);

    /**
     * The request has a host; {@code hostsPassed} hosts survived every filter and were weighed;
     * {@code hostsUnexamined} were neither rejected nor weighed, because the candidate set was full
     * before they were looked at.
     */
    record Placed(String requestId, PlacementTarget target, BigDecimal hourlyPrice, ScoreBreakdown score,
                  int hostsConsidered, int hostsPassed, int hostsUnexamined, Map<String, Integer> rejectedBy)
            implements PlacementDecision {
        public Placed {
            rejectedBy = Collections.unmodifiableMap(new LinkedHashMap<>(rejectedBy));
        }

        @Override
        public <R> R fold(Function<Placed, R> placed, Function<Unplaceable, R> unplaceable) {
            return placed.apply(this);
        }
    }

    /** No host survived the filters; {@code rejectedBy} names the filters that eliminated them. */
    record Unplaceable(String requestId, int hostsConsidered, Map<String, Integer> rejectedBy)
            implements PlacementDecision {
        public Unplaceable {
            rejectedBy = Collections.unmodifiableMap(new LinkedHashMap<>(rejectedBy));
        }

        @Override
        public <R> R fold(Function<Placed, R> placed, Function<Unplaceable, R> unplaceable) {
            return unplaceable.apply(this);
        }

        /** A sentence for a problem detail, e.g. "no host fits: capacity rejected 9120, anti-affinity rejected 3". */
        public String reason() {
            if (hostsConsidered == 0) {
                return "no host fits: the inventory has no hosts";
            }
            return rejectedBy.entrySet().stream()
                    .map(e -> e.getKey() + " rejected " + e.getValue())
                    .collect(Collectors.joining(", ", "no host fits: ", ""));
        }
    }
}
