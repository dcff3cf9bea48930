package io.skydeck.placement;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One request's pass over the inventory: filters first, zone by zone, then the weighers over the
 * hosts that survived. Filters that hold for a whole zone (provider, kind, region, zone, affinity,
 * and a zone-wide capacity bound) reject all its hosts at once; only zones that may fit are
 * scanned host by host, over primitive arrays, without allocating.
 *
 * <p>Weigher scores are normalised across the surviving hosts, so the scan keeps every survivor
 * and their minima and maxima, then ranks them in a second pass. Reused across requests; not
 * thread-safe.
 */
final class CandidateScan {

    /** Filter names in the order they run; a host counts against the first that rejects it. */
    static final List<String> FILTERS = List.of(AllowListFilter.NAME, ProviderKindFilter.NAME,
            RegionZoneFilter.REGION, RegionZoneFilter.ZONE, AffinityFilter.NAME, CapacityFilter.NAME,
            PriceFilter.NAME, AntiAffinityFilter.NAME);
    private static final int ALLOW_LIST = 0, PROVIDER_KIND = 1, REGION = 2, ZONE = 3, AFFINITY = 4,
            CAPACITY = 5, PRICE = 6, ANTI_AFFINITY = 7;

    private final HostTable table;
    private final GroupRegistry groups;
    private final PlacementPolicy policy;
    private final AntiAffinityFilter antiAffinity = new AntiAffinityFilter();

    private final int[] rejected = new int[FILTERS.size()];
    private long[] quotes = new long[8];
    private int[] survivors = new int[0];
    private double[] prices = new double[0];
    private double[] utilisations = new double[0];
    private double[] gpuReserves = new double[0];
    private int considered;
    private int passed;
    private int best;
    private double cheapest, dearest, lowestUse, highestUse, lowestReserve, highestReserve;

    private int vcpu;
    private long memory;
    private int gpu;
    private long ceilingMicros;

    CandidateScan(HostTable table, GroupRegistry groups, PlacementPolicy policy) {
        this.table = table;
        this.groups = groups;
        this.policy = policy;
    }

    /** Filters and weighs every host, or only {@code onlyHost} when it is not negative. Returns the winner or -1. */
    int run(PlacementRequest request, int onlyHost) {
        prepare(request);
        Zone pinned = null;
        int pinnedZone = groups.affinityZone(request.tenantId(), request.hints().affinityGroup());
        if (onlyHost >= 0) {
            considered = 1;
            Zone zone = table.zones.get(table.zoneOf[onlyHost]);
            int filter = zoneRejection(zone, request, pinnedZone);
            if (filter >= 0) {
                rejected[filter]++;
            } else {
                consider(onlyHost);
            }
        } else {
            considered = table.size;
            for (Zone zone : table.zones) {
                int filter = zoneRejection(zone, request, pinnedZone);
                if (filter < 0 && !CapacityFilter.zoneMayFit(zone, table, vcpu, memory, gpu)) {
                    filter = CAPACITY;
                }
                if (filter >= 0) {
                    rejected[filter] += zone.size;
                    continue;
                }
                int[] hosts = zone.hosts;
                for (int k = 0, n = zone.size; k < n; k++) {
                    consider(hosts[k]);
                }
            }
        }
        best = passed == 0 ? -1 : choose();
        return best;
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
        if (survivors.length < table.size) {
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

    private void consider(int host) {
        if (!CapacityFilter.fits(table, host, vcpu, memory, gpu)) {
            rejected[CAPACITY]++;
            return;
        }
        long quote = quotes[table.rateOf[host]];
        if (!PriceFilter.admits(quote, ceilingMicros)) {
            rejected[PRICE]++;
            return;
        }
        if (!antiAffinity.admits(host)) {
            rejected[ANTI_AFFINITY]++;
            return;
        }
        double price = quote;
        double use = PackingWeigher.utilisationAfter(table, host, vcpu, memory, gpu);
        survivors[passed] = host;
        prices[passed] = price;
        double reserve = GpuReserveWeigher.raw(table, host, gpu);
        utilisations[passed] = use;
        gpuReserves[passed] = reserve;
        passed++;
        cheapest = Math.min(cheapest, price);
        dearest = Math.max(dearest, price);
        lowestUse = Math.min(lowestUse, use);
        highestUse = Math.max(highestUse, use);
        lowestReserve = Math.min(lowestReserve, reserve);
        highestReserve = Math.max(highestReserve, reserve);
    }

    private int choose() {
        int[] rank = table.ranks();
        double costWeight = policy.costWeight();
        double packingWeight = policy.packingWeight();
        double reserveWeight = policy.gpuReserveWeight();
        PlacementPolicy.Packing packing = policy.packing();
        int winner = -1;
        double top = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < passed; s++) {
            double score = costWeight * CostWeigher.normalise(prices[s], cheapest, dearest)
                    + packingWeight * PackingWeigher.normalise(packing, utilisations[s], lowestUse, highestUse)
                    + reserveWeight * GpuReserveWeigher.normalise(gpuReserves[s], lowestReserve, highestReserve);
            int host = survivors[s];
            if (score > top || (score == top && rank[host] < rank[winner])) {
                top = score;
                winner = host;
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
                BigDecimal.valueOf(quote, 6), score, considered, passed, rejectedBy);
    }
}
