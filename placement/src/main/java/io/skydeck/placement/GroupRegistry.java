package io.skydeck.placement;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Where the members of each affinity and anti-affinity group sit. Groups are keyed by tenant
 * and name, created by their first member and forgotten when their last member is released.
 */
final class GroupRegistry {

    private record GroupKey(String tenant, String name) {
    }

    /** An affinity group is pinned to the zone of its first member while it has members. */
    private static final class Affinity {
        final int zone;
        int members;

        Affinity(int zone) {
            this.zone = zone;
        }
    }

    /** Hosts of an anti-affinity group's members; each host appears at most once. */
    static final class AntiAffinity {
        int[] hosts = new int[4];
        int size;
    }

    private final Map<GroupKey, Affinity> affinity = new HashMap<>();
    private final Map<GroupKey, AntiAffinity> antiAffinity = new HashMap<>();

    /** The zone the group is pinned to, or -1 if the group has no members yet. */
    int affinityZone(String tenant, String group) {
        if (group == null) {
            return -1;
        }
        Affinity a = affinity.get(new GroupKey(tenant, group));
        return a == null ? -1 : a.zone;
    }

    /** The group's members, or null when the request names no group or the group is empty. */
    AntiAffinity antiAffinity(String tenant, String group) {
        return group == null ? null : antiAffinity.get(new GroupKey(tenant, group));
    }

    void join(String tenant, PlacementHints hints, int host, int zone) {
        if (hints.affinityGroup() != null) {
            affinity.computeIfAbsent(new GroupKey(tenant, hints.affinityGroup()), k -> new Affinity(zone)).members++;
        }
        if (hints.antiAffinityGroup() != null) {
            AntiAffinity a = antiAffinity.computeIfAbsent(new GroupKey(tenant, hints.antiAffinityGroup()),
                    k -> new AntiAffinity());
            if (a.size == a.hosts.length) {
                a.hosts = Arrays.copyOf(a.hosts, a.size * 2);
            }
            a.hosts[a.size++] = host;
        }
    }

    void leave(String tenant, PlacementHints hints, int host) {
        if (hints.affinityGroup() != null) {
            GroupKey key = new GroupKey(tenant, hints.affinityGroup());
            Affinity a = affinity.get(key);
            if (--a.members == 0) {
                affinity.remove(key);
            }
        }
        if (hints.antiAffinityGroup() != null) {
            GroupKey key = new GroupKey(tenant, hints.antiAffinityGroup());
            AntiAffinity a = antiAffinity.get(key);
            for (int k = 0; k < a.size; k++) {
                if (a.hosts[k] == host) {
                    a.hosts[k] = a.hosts[--a.size];
                    break;
                }
            }
            if (a.size == 0) {
                antiAffinity.remove(key);
            }
        }
    }
}
