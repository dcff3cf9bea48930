package io.skydeck.placement;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every host's capacity and free capacity, one primitive array per attribute, and the index
 * over them: hosts are shelved by zone, rate and GPU, and bucketed by free vCPU on their shelf
 * ({@link CapacityBuckets}), kept current on every take and give. Not thread-safe: the engine
 * guards it.
 */
final class HostTable {

    private static final Comparator<Host> TIE_BREAK = Comparator.comparing(Host::provider)
            .thenComparing(Host::region).thenComparing(Host::zone).thenComparing(Host::hostId);

    final RateTable rates = new RateTable();
    final List<Zone> zones = new ArrayList<>();
    /** The free-capacity index: every host is on exactly one shelf (zone, rate, GPU or not). */
    final List<CapacityBuckets> shelves = new ArrayList<>();
    private final Map<List<String>, Zone> zoneByName = new HashMap<>();
    private final Map<PlacementTarget, Integer> indexByTarget = new HashMap<>();

    int size;
    Host[] hosts = new Host[256];
    int[] zoneOf = new int[256];
    int[] rateOf = new int[256];
    int[] capacityVcpu = new int[256];
    long[] capacityMemory = new long[256];
    int[] capacityGpu = new int[256];
    int[] freeVcpu = new int[256];
    long[] freeMemory = new long[256];
    int[] freeGpu = new int[256];
    int[] allocations = new int[256];
    int[] shelfOf = new int[256];
    int[] bucketOf = new int[256];
    int[] slotOf = new int[256];
    // Reciprocals so the packing weigher multiplies instead of divides in the hot loop.
    double[] inverseVcpu = new double[256];
    double[] inverseMemory = new double[256];
    double[] inverseGpu = new double[256];
    double[] inverseDimensions = new double[256];
    // Position in (provider, region, zone, hostId) order: equal scores go to the lowest rank.
    private int[] rank = new int[0];
    private boolean rankStale;
    int hostsInUse;

    int add(Host host, Resources used) {
        if (!used.fitsIn(host.capacity())) {
            throw new IllegalArgumentException("host " + host.hostId() + " cannot use more than its capacity");
        }
        PlacementTarget target = host.target();
        if (indexByTarget.containsKey(target)) {
            throw new IllegalArgumentException("host already known: " + target);
        }
        if (size == hosts.length) {
            grow(size * 2);
        }
        int i = size++;
        indexByTarget.put(target, i);
        Zone zone = zoneByName.computeIfAbsent(List.of(host.provider(), host.region(), host.zone()), k -> {
            Zone z = new Zone(zones.size(), host.provider(), host.kind(), host.region(), host.zone());
            zones.add(z);
            return z;
        });
        if (zone.kind != host.kind()) {
            throw new IllegalArgumentException("provider " + host.provider() + " is already of kind " + zone.kind);
        }
        Resources capacity = host.capacity();
        hosts[i] = host;
        zoneOf[i] = zone.index;
        rateOf[i] = rates.intern(host.rate());
        capacityVcpu[i] = capacity.vcpu();
        capacityMemory[i] = capacity.memoryMib();
        capacityGpu[i] = capacity.gpu();
        inverseVcpu[i] = 1.0 / capacity.vcpu();
        inverseMemory[i] = 1.0 / capacity.memoryMib();
        inverseGpu[i] = capacity.gpu() == 0 ? 0 : 1.0 / capacity.gpu();
        inverseDimensions[i] = 1.0 / (capacity.gpu() == 0 ? 2 : 3);
        zone.add(i);
        zone.capacityVcpu += capacity.vcpu();
        zone.capacityMemory += capacity.memoryMib();
        zone.capacityGpu += capacity.gpu();
        // Capacity used outside placement is not an allocation: it does not make the host "in use".
        Resources free = capacity.minus(used);
        freeVcpu[i] = free.vcpu();
        freeMemory[i] = free.memoryMib();
        freeGpu[i] = free.gpu();
        zone.freeVcpu += free.vcpu();
        zone.freeMemory += free.memoryMib();
        zone.freeGpu += free.gpu();
        CapacityBuckets shelf = zone.shelf(rateOf[i], capacity.gpu() > 0, shelves);
        shelfOf[i] = shelf.index;
        shelf.addMember(i);
        shelf.insert(this, i);
        rankStale = true;
        return i;
    }

    int indexOf(PlacementTarget target) {
        Integer i = indexByTarget.get(target);
        return i == null ? -1 : i;
    }

    /** Takes demand off a host that has room for it. */
    void take(int i, Resources demand) {
        Zone zone = zones.get(zoneOf[i]);
        if (demand.vcpu() > freeVcpu[i] || demand.memoryMib() > freeMemory[i] || demand.gpu() > freeGpu[i]) {
            throw new IllegalStateException("host " + hosts[i].hostId() + " over-committed");
        }
        CapacityBuckets shelf = shelves.get(shelfOf[i]);
        shelf.remove(this, i, freeMemory[i], freeGpu[i]);
        freeVcpu[i] -= demand.vcpu();
        freeMemory[i] -= demand.memoryMib();
        freeGpu[i] -= demand.gpu();
        shelf.insert(this, i);
        zone.freeVcpu -= demand.vcpu();
        zone.freeMemory -= demand.memoryMib();
        zone.freeGpu -= demand.gpu();
        if (allocations[i]++ == 0) {
            hostsInUse++;
            zone.hostsInUse++;
        }
    }

    void give(int i, Resources demand) {
        Zone zone = zones.get(zoneOf[i]);
        CapacityBuckets shelf = shelves.get(shelfOf[i]);
        shelf.remove(this, i, freeMemory[i], freeGpu[i]);
        freeVcpu[i] += demand.vcpu();
        freeMemory[i] += demand.memoryMib();
        freeGpu[i] += demand.gpu();
        shelf.insert(this, i);
        zone.freeVcpu += demand.vcpu();
        zone.freeMemory += demand.memoryMib();
        zone.freeGpu += demand.gpu();
        if (--allocations[i] == 0) {
            hostsInUse--;
            zone.hostsInUse--;
        }
    }

    Resources free(int i) {
        return new Resources(freeVcpu[i], freeMemory[i], freeGpu[i]);
    }

    int[] ranks() {
        if (rankStale) {
            Integer[] order = new Integer[size];
            for (int i = 0; i < size; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparing(i -> hosts[i], TIE_BREAK));
            rank = new int[size];
            for (int r = 0; r < size; r++) {
                rank[order[r]] = r;
            }
            rankStale = false;
        }
        return rank;
    }

    private void grow(int n) {
        hosts = Arrays.copyOf(hosts, n);
        zoneOf = Arrays.copyOf(zoneOf, n);
        rateOf = Arrays.copyOf(rateOf, n);
        capacityVcpu = Arrays.copyOf(capacityVcpu, n);
        capacityMemory = Arrays.copyOf(capacityMemory, n);
        capacityGpu = Arrays.copyOf(capacityGpu, n);
        freeVcpu = Arrays.copyOf(freeVcpu, n);
        freeMemory = Arrays.copyOf(freeMemory, n);
        freeGpu = Arrays.copyOf(freeGpu, n);
        allocations = Arrays.copyOf(allocations, n);
        shelfOf = Arrays.copyOf(shelfOf, n);
        bucketOf = Arrays.copyOf(bucketOf, n);
        slotOf = Arrays.copyOf(slotOf, n);
        inverseVcpu = Arrays.copyOf(inverseVcpu, n);
        inverseMemory = Arrays.copyOf(inverseMemory, n);
        inverseGpu = Arrays.copyOf(inverseGpu, n);
        inverseDimensions = Arrays.copyOf(inverseDimensions, n);
    }
}
