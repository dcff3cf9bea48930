package io.skydeck.placement;

/**
 * Honours region and zone hints. They count separately in a decision's explanation because
 * "wrong region" and "wrong zone" are different answers to a tenant.
 */
final class RegionZoneFilter {

    static final String REGION = "region";
    static final String ZONE = "zone";

    private RegionZoneFilter() {
    }

    static boolean admitsRegion(Zone zone, String wanted) {
        return wanted == null || zone.region.equals(wanted);
    }

    static boolean admitsZone(Zone zone, String wanted) {
        return wanted == null || zone.name.equals(wanted);
    }
}
