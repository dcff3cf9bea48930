package io.skydeck.placement;

/**
 * Keeps an affinity group together. "Together" means the same zone, not the same host: a group
 * on one host would be capped by one host's capacity and share its failure, while one zone
 * still gives members low latency to each other. The first member may go anywhere; later
 * members must land in its zone.
 */
final class AffinityFilter {

    static final String NAME = "affinity";

    private AffinityFilter() {
    }

    /** @param pinnedZone the group's zone, or -1 for a request with no group or an empty group */
    static boolean admits(Zone zone, int pinnedZone) {
        return pinnedZone < 0 || zone.index == pinnedZone;
    }
}
