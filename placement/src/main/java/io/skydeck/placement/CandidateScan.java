package io.skydeck.placement;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One request's pass over the inventory. Filters that hold for a whole zone (provider, kind,
 * region, zone, affinity) reject all its hosts at once; within a zone, each shelf of the
 * free-capacity index (hosts of one rate and GPU class, see {@link CapacityBuckets}) is priced
 * once and, if its price and GPU class admit the request, searched by free vCPU: buckets with too
 * few vCPUs, or without a host that has the memory and GPUs, are rejected whole.
 *
 * <p>From what is left, a bounded candidate set is weighed rather than every feasible host —
 * Borg's and kube-scheduler's answer to fleets of 100,000 machines: per shelf, the
 * {@link #PREFERRED_PER_SHELF} best-placed hosts from the end the packing policy prefers (fewest
 * free vCPUs when packing, most when spreading), {@link #OTHER_END_PER_SHELF} from the other end so
 * the weighers' normalisation still spans the feasible range, and {@link #SAMPLED_PER_SHELF}
 * drawn at random from the rest (seeded, so one seed gives one sequence of decisions). Every
 * host is still accounted for: rejected by a named filter, weighed, or left unexamined because
 * enough candidates were found. A shelf whose candidates run out is searched to its end, so
 * "unplaceable" always means no host fits.
 *
 * <p>Capacity, filters and anti-affinity stay exact: a candidate is checked host by host before
 * it is weighed. Reused across requests; not thread-safe.
 */
final class CandidateScan {

    /** Filter names in the order they run; a host counts against the first that rejects it. */
    static final List<String> FILTERS = List.of(AllowListFilter.NAME, ProviderKindFilter.NAME,
            RegionZoneFilter.REGION, RegionZoneFilter.ZONE, AffinityFilter.NAME, PriceFilter.NAME,
            CapacityFilter.NAME, AntiAffinityFilter.NAME);
    private static final int ALLOW_LIST = 0, PROVIDER_KIND = 1, REGION = 2, ZONE = 3, AFFINITY = 4,
            PRICE = 5, CAPACITY = 6, ANTI_AFFINITY = 7;

    static final int PREFERRED_PER_SHELF = 4;
    static final int OTHER_END_PER_SHELF = 1;
    static final int SAMPLED_PER_SHELF = 2;
    private static final int SAMPLE_TRIES_PER_SHELF = 8;

    private final HostTable table;
    private final GroupRegistry groups;
    private final PlacementPolicy policy;
    private final SplittableRandom random;
    private final AntiAffinityFilter antiAffinity = new AntiAffinityFilter();

    private final int[] rejected = new int[FILTERS.size()];
    private long[] quotes = new long[8];
    private int[] survivors = new int[0];
    private double[] prices = new double[0];
    private double[] utilisations = new double[0];
    private double[] gpuReserves = new double[0];
    // examined[host] == epoch: looked at one by one in this request.
    private int[] examined = new int[0];
    private int epoch;
    // avoided[host]: a host the caller would rather not use while another fits (see PlacementEngine#place(request, inFlight)).
    private boolean[] avoided = new boolean[0];
    private int[] avoidedHosts = new int[0];
    private int avoidedCount;
    private int considered;
    private int passed;
    private int best;
    private double cheapest, dearest, lowestUse, highestUse, lowestReserve, highestReserve;

    private int vcpu;
    private long memory;
    private int gpu;
    private long ceilingMicros;
    private int firstBucket;

    CandidateScan(HostTable table, GroupRegistry groups, PlacementPolicy policy, long seed) {
        this.table = table;
        this.groups = groups;
        this.policy = policy;
        this.random = new SplittableRandom(seed);
    }

    /** Filters and weighs the inventory, or only {@code onlyHost} when it is not negative. Returns the winner or -1. */
    int run(PlacementRequest request, int onlyHost) {
        return run(request, onlyHost, PREFERRED_PER_SHELF);
    }

    /** Marks a host to be chosen only when no unmarked host passes, until {@link #avoidNone}. */
    void avoid(int host) {
        if (avoided.length < table.size) {
            avoided = Arrays.copyOf(avoided, Math.max(table.size, avoided.length * 2));
        }
        if (!avoided[host]) {
            avoided[host] = true;
            if (avoidedCount == avoidedHosts.length) {
                avoidedHosts = Arrays.copyOf(avoidedHosts, Math.max(8, avoidedCount * 2));
            }
            avoidedHosts[avoidedCount++] = host;
        }
    }

    void avoidNone() {
        for (int i = 0; i < avoidedCount; i++) {
            avoided[avoidedHosts[i]] = false;
        }
        avoidedCount = 0;
    }

    /** Every host that passes the filters, found through the index; for checking it against a full scan. */
    List<PlacementTarget> feasible(PlacementRequest request) {
        run(request, -1, Integer.MAX_VALUE);
        List<PlacementTarget> targets = new java.util.ArrayList<>(passed);
        for (int s = 0; s < passed; s++) {
            targets.add(table.hosts[survivors[s]].target());
        }
        return targets;
    }

    private int preferredPerShelf;

    private int run(PlacementRequest request, int onlyHost, int preferred) {
        preferredPerShelf = preferred;
        prepare(request);
        int pinnedZone = groups.affinityZone(request.tenantId(), request.hints().affinityGroup());
        if (onlyHost >= 0) {
            considered = 1;
            Zone zone = table.zones.get(table.zoneOf[onlyHost]);
            int filter = zoneRejection(zone, request, pinnedZone);
            long quote = quotes[table.rateOf[onlyHost]];
            if (filter >= 0) {
                rejected[filter]++;
            } else if (!PriceFilter.admits(quote, ceilingMicros)) {
                rejected[PRICE]++;
            } else {
                examine(onlyHost, quote);
            }
        } else {
            considered = table.size;
            for (Zone zone : table.zones) {
                int filter = zoneRejection(zone, request, pinnedZone);
                if (filter >= 0) {
                    rejected[filter] += zone.size;
                    continue;
                }
                for (CapacityBuckets shelf : zone.shelves) {
                    searchShelf(shelf);
                }
            }
        }
        best = passed == 0 ? -1 : choose();
        return best;
    }

    /** Candidates from one shelf: its preferred end, then its other end, then a random sample of the rest. */
    private void searchShelf(CapacityBuckets shelf) {
        long quote = quotes[shelf.rate];
        if (!PriceFilter.admits(quote, ceilingMicros)) {
            rejected[PRICE] += shelf.size;
            return;
        }
        if (gpu > 0 && !shelf.gpuHosts) {
            rejected[CAPACITY] += shelf.size;
            return;
        }
        rejected[CAPACITY] += shelf.hostsBelow(firstBucket);
        boolean packing = policy.packing() == PlacementPolicy.Packing.PACK;
        int frontier = walk(shelf, quote, packing, preferredPerShelf, -1);
        if (frontier < 0) {
            return; // searched to the end: every host of the shelf is accounted for
        }
        if (walk(shelf, quote, !packing, OTHER_END_PER_SHELF, frontier) < 0) {
            return;
        }
        sample(shelf, quote);
    }

    /**
     * Examines hosts bucket by bucket, upwards from the request's size or downwards from the
     * largest, until {@code wanted} pass or the walk reaches {@code stopAt} (a bucket the other
     * walk reached, whose bound it already counted). Returns the last bucket reached, or -1 when
     * the walk ran out of buckets with fewer than {@code wanted} found.
     */
    private int walk(CapacityBuckets shelf, long quote, boolean upwards, int wanted, int stopAt) {
        int found = 0;
        int b = upwards ? shelf.nextNonEmpty(firstBucket) : shelf.previousNonEmpty(CapacityBuckets.TOP);
        while (b >= 0 && b >= firstBucket) {
            boolean shared = b == stopAt;
            if (!shelf.mayFit(table, b, memory, gpu)) {
                if (!shared) {
                    rejected[CAPACITY] += shelf.bucketSize(b);
                }
            } else {
                for (int k = 0, n = shelf.bucketSize(b); k < n; k++) {
                    int host = shelf.host(b, k);
                    if (examined[host] != epoch && examine(host, quote) && ++found == wanted) {
                        return b;
                    }
                }
            }
            if (shared) {
                return -1;
            }
            b = upwards ? shelf.nextNonEmpty(b + 1) : shelf.previousNonEmpty(b - 1);
            if (stopAt >= 0 && (upwards ? b > stopAt : b < stopAt)) {
                return -1;
            }
        }
        return -1;
    }

    /** A few hosts drawn at random from the buckets that may fit, for spread between equal scores. */
    private void sample(CapacityBuckets shelf, long quote) {
        int taken = 0;
        for (int tries = 0; tries < SAMPLE_TRIES_PER_SHELF && taken < SAMPLED_PER_SHELF; tries++) {
            int host = shelf.members[random.nextInt(shelf.size)];
            int b = table.bucketOf[host];
            if (examined[host] == epoch || b < firstBucket || !shelf.mayFit(table, b, memory, gpu)) {
                continue;
            }
            if (examine(host, quote)) {
                taken++;
            }
        }
    }

    private void prepare(PlacementRequest request) {
        Arrays.fill(rejected, 0);
        passed = 0;
        cheapest = Double.POSITIVE_INFINITY;
        dearest = Double.NEGATIVE_INFINITY;
        lowestUse = Double.POSITIVE_INFINITY;
        highestUse = Double.NEGATIVE_INFINITY;
        lowestReserve = Double.POSITIVE_INFINITY;
        highestReserve = Double.NEGATIVE_INFINITY;
        Resources demand = request.demand();
        vcpu = demand.vcpu();
        memory = demand.memoryMib();
        gpu = demand.gpu();
        PlacementHints hints = request.hints();
        ceilingMicros = hints.maxHourlyPrice() == null ? Long.MAX_VALUE
                : hints.maxHourlyPrice().movePointRight(6).setScale(0, java.math.RoundingMode.FLOOR).longValue();
        if (quotes.length < table.rates.size()) {
            quotes = new long[table.rates.size() * 2];
        }
        table.rates.quote(vcpu, hints.flavor(), quotes);
        firstBucket = CapacityBuckets.bucketFor(vcpu);
        if (++epoch == Integer.MAX_VALUE) {
            Arrays.fill(examined, 0);
            epoch = 1;
        }
        if (survivors.length < table.size) {
            examined = Arrays.copyOf(examined, table.size);
            survivors = new int[table.size];
            prices = new double[table.size];
            utilisations = new double[table.size];
            gpuReserves = new double[table.size];
        }
        antiAffinity.prepare(groups.antiAffinity(request.tenantId(), hints.antiAffinityGroup()), table.size);
    }

    private static int zoneRejection(Zone zone, PlacementRequest request, int pinnedZone) {
        PlacementHints hints = request.hints();
        if (!AllowListFilter.admits(zone, request.allowedProviders())) {
            return ALLOW_LIST;
        }
        if (!ProviderKindFilter.admits(zone, hints.providerKind())) {
            return PROVIDER_KIND;
        }
        if (!RegionZoneFilter.admitsRegion(zone, hints.region())) {
            return REGION;
        }
        if (!RegionZoneFilter.admitsZone(zone, hints.zone())) {
            return ZONE;
        }
        if (!AffinityFilter.admits(zone, pinnedZone)) {
            return AFFINITY;
        }
        return -1;
    }

    /** Checks one host exactly; if it passes, it joins the candidates to weigh. */
    private boolean examine(int host, long quote) {
        examined[host] = epoch;
        if (!CapacityFilter.fits(table, host, vcpu, memory, gpu)) {
            rejected[CAPACITY]++;
            return false;
        }
        if (!antiAffinity.admits(host)) {
            rejected[ANTI_AFFINITY]++;
            return false;
        }
        double price = quote;
        double use = PackingWeigher.utilisationAfter(table, host, vcpu, memory, gpu);
        double reserve = GpuReserveWeigher.raw(table, host, gpu);
        survivors[passed] = host;
        prices[passed] = price;
        utilisations[passed] = use;
        gpuReserves[passed] = reserve;
        passed++;
        cheapest = Math.min(cheapest, price);
        dearest = Math.max(dearest, price);
        lowestUse = Math.min(lowestUse, use);
        highestUse = Math.max(highestUse, use);
        lowestReserve = Math.min(lowestReserve, reserve);
        highestReserve = Math.max(highestReserve, reserve);
        return true;
    }

    private int choose() {
        int[] rank = table.ranks();
        double costWeight = policy.costWeight();
        double packingWeight = policy.packingWeight();
        double reserveWeight = policy.gpuReserveWeight();
        PlacementPolicy.Packing packing = policy.packing();
        int winner = -1;
        boolean winnerAvoided = false;
        double top = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < passed; s++) {
            double score = costWeight * CostWeigher.normalise(prices[s], cheapest, dearest)
                    + packingWeight * PackingWeigher.normalise(packing, utilisations[s], lowestUse, highestUse)
                    + reserveWeight * GpuReserveWeigher.normalise(gpuReserves[s], lowestReserve, highestReserve);
            int host = survivors[s];
            boolean isAvoided = avoidedCount > 0 && avoided[host];
            boolean better;
            if (winner < 0) {
                better = true;
            } else if (isAvoided != winnerAvoided) {
                // Any host not avoided beats every avoided one, whatever the scores.
                better = !isAvoided;
            } else {
                better = score > top || (score == top && rank[host] < rank[winner]);
            }
            if (better) {
                top = score;
                winner = host;
                winnerAvoided = isAvoided;
            }
        }
        return winner;
    }

    /** The decision for the last {@link #run}, with the explanation the service stores. */
    PlacementDecision decision(PlacementRequest request) {
        Map<String, Integer> rejectedBy = new LinkedHashMap<>();
        for (int f = 0; f < rejected.length; f++) {
            if (rejected[f] > 0) {
                rejectedBy.put(FILTERS.get(f), rejected[f]);
            }
        }
        if (best < 0) {
            return new PlacementDecision.Unplaceable(request.requestId(), considered, rejectedBy);
        }
        int unexamined = considered - passed;
        for (int n : rejected) {
            unexamined -= n;
        }
        long quote = quotes[table.rateOf[best]];
        double use = PackingWeigher.utilisationAfter(table, best, vcpu, memory, gpu);
        double cost = CostWeigher.normalise(quote, cheapest, dearest);
        double pack = PackingWeigher.normalise(policy.packing(), use, lowestUse, highestUse);
        double reserveRaw = GpuReserveWeigher.raw(table, best, gpu);
        double reserve = GpuReserveWeigher.normalise(reserveRaw, lowestReserve, highestReserve);
        ScoreBreakdown score = ScoreBreakdown.of(List.of(
                new ScoreBreakdown.WeigherScore(CostWeigher.NAME, quote / 1e6, cost, policy.costWeight(),
                        policy.costWeight() * cost),
                new ScoreBreakdown.WeigherScore(PackingWeigher.name(policy.packing()), use, pack,
                        policy.packingWeight(), policy.packingWeight() * pack),
                new ScoreBreakdown.WeigherScore(GpuReserveWeigher.NAME, reserveRaw, reserve, policy.gpuReserveWeight(),
                        policy.gpuReserveWeight() * reserve)));
        return new PlacementDecision.Placed(request.requestId(), table.hosts[best].target(),
                BigDecimal.valueOf(quote, 6), score, considered, passed, unexamined, rejectedBy);
    }
}
