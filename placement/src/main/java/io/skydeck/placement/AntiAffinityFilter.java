package io.skydeck.placement;

/**
 * Never puts two members of an anti-affinity group on one host. Before a scan the members'
 * hosts are stamped with the request's epoch, so the check per host is one array read instead
 * of a search through the group.
 */
final class AntiAffinityFilter {

    static final String NAME = "anti-affinity";

    private int[] stamp = new int[0];
    private int epoch;
    private boolean active;

    /** Marks the hosts of the group's members; {@code group} is null when nothing is excluded. */
    void prepare(GroupRegistry.AntiAffinity group, int hosts) {
        active = group != null;
        if (!active) {
            return;
        }
        if (stamp.length < hosts) {
            stamp = new int[Math.max(hosts, stamp.length * 2)];
        }
        if (++epoch == Integer.MAX_VALUE) {
            java.util.Arrays.fill(stamp, 0);
            epoch = 1;
        }
        for (int k = 0; k < group.size; k++) {
            stamp[group.hosts[k]] = epoch;
        }
    }

    boolean admits(int host) {
        return !active || stamp[host] != epoch;
    }
}
