package io.skydeck.placement;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides where requests go and holds the capacity it handed out.
 *
 * <p>One engine is one inventory. {@link #place} filters the hosts — whole zones, and within a
 * zone whole buckets of the free-capacity index, at once — weighs a bounded set of the hosts that
 * pass (see {@link CandidateScan}), and reserves the winner's capacity in the same step;
 * {@link #release} gives it back. A decision costs about the same at 1,000 hosts as at 100,000.
 *
 * <p><b>Thread-safety:</b> every public method holds this engine's monitor, so calls are
 * serialised and a decision can never be made on capacity another thread is taking. Callers may
 * share one engine between threads; throughput is then that of one core. Keep provider calls and
 * database writes outside — place first, then create, and release if the creation fails.
 */
public final class PlacementEngine {

    private record Reservation(PlacementRequest request, int host) {
    }

    private final HostTable table = new HostTable();
    private final GroupRegistry groups = new GroupRegistry();
    private final CandidateScan scan;
    private final Map<String, Reservation> reservations = new HashMap<>();

    /** Seed of the random sample when none is given: one engine state and request sequence, one set of decisions. */
    public static final long DEFAULT_SEED = 0x5EEDL;

    public PlacementEngine(PlacementPolicy policy) {
        this(policy, DEFAULT_SEED);
    }

    /** @param seed seeds the random part of each candidate set; the same seed gives the same decisions */
    public PlacementEngine(PlacementPolicy policy, long seed) {
        this.scan = new CandidateScan(table, groups, policy, seed);
    }

    /** Adds an idle host. */
    public synchronized void addHost(Host host) {
        table.add(host, Resources.NONE);
    }

    /** Adds a host part of whose capacity is already used by something placement does not own. */
    public synchronized void addHost(Host host, Resources alreadyUsed) {
        table.add(host, alreadyUsed);
    }

    /**
     * Chooses a host and reserves the demand on it, or explains why no host fits.
     *
     * @throws IllegalStateException if {@code request.requestId()} already holds an allocation
     */
    public synchronized PlacementDecision place(PlacementRequest request) {
        requireUnplaced(request);
        return reserve(request, scan.run(request, -1));
    }

    /**
     * As {@link #place}, but among the hosts that fit, one that holds none of {@code inFlight}
     * (requests placed and not yet binding: their creates are still being written) comes before
     * any that does; the policy's order decides within each group. Concurrent creates then go to
     * different hosts of near-equal score instead of queueing on one host's lock in the ledger
     * while the first commits. When only such hosts fit, the best of them is chosen as before.
     */
    public synchronized PlacementDecision place(PlacementRequest request, java.util.Collection<String> inFlight) {
        requireUnplaced(request);
        for (String id : inFlight) {
            Reservation r = reservations.get(id);
            if (r != null) {
                scan.avoid(r.host());
            }
        }
        try {
            return reserve(request, scan.run(request, -1));
        } finally {
            scan.avoidNone();
        }
    }

    /**
     * The scheduler's manual override: places on the named host if it passes every filter.
     * Hints still apply; an operator who wants to overrule one clears it from the request.
     */
    public synchronized PlacementDecision placeOn(PlacementRequest request, PlacementTarget host) {
        requireUnplaced(request);
        int index = table.indexOf(host);
        if (index < 0) {
            throw new IllegalArgumentException("unknown host: " + host);
        }
        return reserve(request, scan.run(request, index));
    }

    /** What {@link #place} would decide now, without reserving anything. */
    public synchronized PlacementDecision preview(PlacementRequest request) {
        scan.run(request, -1);
        return scan.decision(request);
    }

    /** Gives back the capacity and group membership of a placement. False if it holds none. */
    public synchronized boolean release(String requestId) {
        Reservation r = reservations.remove(requestId);
        if (r == null) {
            return false;
        }
        table.give(r.host(), r.request().demand());
        groups.leave(r.request().tenantId(), r.request().hints(), r.host());
        return true;
    }

    public synchronized Optional<Allocation> allocation(String requestId) {
        Reservation r = reservations.get(requestId);
        if (r == null) {
            return Optional.empty();
        }
        PlacementRequest q = r.request();
        return Optional.of(new Allocation(q.requestId(), q.tenantId(), table.hosts[r.host()].target(), q.demand(),
                q.hints().affinityGroup(), q.hints().antiAffinityGroup()));
    }

    /** The request ids holding an allocation now, for comparing the engine with a record kept elsewhere. */
    public synchronized java.util.Set<String> allocationIds() {
        return java.util.Set.copyOf(reservations.keySet());
    }

    /** Free capacity of one host, if the engine knows it. */
    public synchronized Optional<Resources> freeCapacity(PlacementTarget host) {
        int index = table.indexOf(host);
        return index < 0 ? Optional.empty() : Optional.of(table.free(index));
    }

    /** Capacity and free capacity per provider zone, in the order zones became known. */
    public synchronized List<ZoneCapacity> capacity() {
        List<ZoneCapacity> view = new ArrayList<>(table.zones.size());
        table.zones.forEach(z -> view.add(z.capacity()));
        return view;
    }

    /** Capacity and free capacity of every host, in the order hosts were added. */
    public synchronized List<HostLoad> hostLoads() {
        List<HostLoad> view = new ArrayList<>(table.size);
        for (int i = 0; i < table.size; i++) {
            view.add(new HostLoad(table.hosts[i].target(),
                    new Resources(table.capacityVcpu[i], table.capacityMemory[i], table.capacityGpu[i]),
                    table.free(i), table.allocations[i]));
        }
        return view;
    }

    /** Hosts that pass every filter for the request, found through the free-capacity index. For tests. */
    synchronized List<PlacementTarget> feasible(PlacementRequest request) {
        return scan.feasible(request);
    }

    /** The index as a value that does not depend on the order of past placements. For tests. */
    synchronized String describeIndex() {
        StringBuilder out = new StringBuilder();
        for (CapacityBuckets shelf : table.shelves) {
            shelf.checkConsistent(table);
            out.append(shelf.zone.provider).append('/').append(shelf.zone.region).append('/').append(shelf.zone.name)
                    .append(" rate ").append(shelf.rate).append(shelf.gpuHosts ? " gpu" : " cpu").append(": ")
                    .append(shelf.describe(table)).append('\n');
        }
        return out.toString();
    }

    public synchronized int hostCount() {
        return table.size;
    }

    /** Hosts holding at least one allocation of this engine (capacity used at {@link #addHost} does not count). */
    public synchronized int hostsInUse() {
        return table.hostsInUse;
    }

    private void requireUnplaced(PlacementRequest request) {
        if (reservations.containsKey(request.requestId())) {
            throw new IllegalStateException("request " + request.requestId() + " is already placed");
        }
    }

    private PlacementDecision reserve(PlacementRequest request, int host) {
        PlacementDecision decision = scan.decision(request);
        if (host >= 0) {
            table.take(host, request.demand());
            groups.join(request.tenantId(), request.hints(), host, table.zoneOf[host]);
            reservations.put(request.requestId(), new Reservation(request, host));
        }
        return decision;
    }
}
