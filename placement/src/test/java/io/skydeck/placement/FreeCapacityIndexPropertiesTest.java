package io.skydeck.placement;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The free-capacity index against the thing it replaces: a scan of every host. Random fleets
 * (uneven hosts, some larger than the index's last bucket, GPUs, rates per vCPU and per flavor),
 * random placements and releases, random requests with every kind of hint.
 */
class FreeCapacityIndexPropertiesTest {

    private static final String[] PROVIDERS = {"osp", "aws", "k8s"};
    private static final ProviderKind[] KINDS = {ProviderKind.OPENSTACK, ProviderKind.AWS, ProviderKind.KUBERNETES};
    private static final HourlyRate[] RATES = {HourlyRate.perVcpu("0.02"),
            new HourlyRate.PerFlavor(Map.of("small", new BigDecimal("0.05"), "large", new BigDecimal("0.30"))),
            HourlyRate.perVcpu("0.015")};
    private static final String[] FLAVORS = {"small", "large", "custom"};

    /** One step: place a request or release an earlier one. */
    record Step(boolean release, int pick, Resources demand, int hint, String affinity, String antiAffinity,
                String flavor) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Resources> demand = Combinators.combine(
                // Memory in whole GiB, as flavors have it, so hosts are often filled to the last MiB.
                Arbitraries.integers().between(0, 40), Arbitraries.longs().between(0, 96).map(g -> 1024 * g),
                Arbitraries.integers().between(0, 5).map(g -> g >= 4 ? g - 3 : 0)).as(Resources::new);
        Arbitrary<String> group = Arbitraries.of("g1", "g2").injectNull(0.7);
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 3).map(r -> r == 0),
                Arbitraries.integers().between(0, 10_000), demand, Arbitraries.integers().between(0, 9), group, group,
                Arbitraries.of(FLAVORS)).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(150);
    }

    /** 2 regions × 2 zones × 3 providers, 1 to 30 hosts each; now and then a host too big for a bucket of its own. */
    static List<Host> fleet(long seed) {
        Random random = new Random(seed);
        List<Host> hosts = new ArrayList<>();
        int n = 0;
        for (int p = 0; p < PROVIDERS.length; p++) {
            for (String region : List.of("r1", "r2")) {
                for (String zone : List.of("a", "b")) {
                    for (int i = 0, count = 1 + random.nextInt(30); i < count; i++) {
                        int vcpu = random.nextInt(20) == 0 ? 1024 + random.nextInt(2000) : 8 + random.nextInt(57);
                        int gpu = random.nextInt(4) == 0 ? 1 + random.nextInt(4) : 0;
                        hosts.add(new Host(PROVIDERS[p], KINDS[p], region, zone, "h" + n++,
                                Resources.of(vcpu, 1024L * (8 + random.nextInt(250)), gpu), RATES[p]));
                    }
                }
            }
        }
        return hosts;
    }

    static PlacementHints hints(Step step) {
        PlacementHints hints = PlacementHints.none().withFlavor(step.flavor())
                .withAffinityGroup(step.affinity()).withAntiAffinityGroup(step.antiAffinity());
        return switch (step.hint()) {
            case 0 -> hints.inRegion("r1");
            case 1 -> hints.inRegion("r2").inZone("b");
            case 2 -> hints.withProviderKind(KINDS[step.pick() % 3]);
            case 3 -> hints.withMaxHourlyPrice(new BigDecimal("0.40"));
            case 4 -> hints.inZone("a");
            default -> hints;
        };
    }

    static Set<String> allowList(Step step) {
        return step.hint() == 5 ? Set.of("osp", "k8s") : Set.of();
    }

    @Property(tries = 300)
    void theIndexFindsExactlyTheHostsAFullScanAdmits(@ForAll("steps") List<Step> steps,
                                                     @ForAll @IntRange(max = 1000) int fleetSeed,
                                                     @ForAll PlacementPolicy.Packing packing) {
        List<Host> fleet = fleet(fleetSeed);
        PlacementEngine engine = new PlacementEngine(new PlacementPolicy(1, 1, packing), fleetSeed);
        fleet.forEach(engine::addHost);
        List<String> live = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step.release() && !live.isEmpty()) {
                engine.release(live.remove(step.pick() % live.size()));
                continue;
            }
            PlacementRequest request = new PlacementRequest("r" + i, "t" + step.pick() % 2, step.demand(),
                    hints(step), allowList(step));
            Set<PlacementTarget> expected = fullScan(engine, fleet, live, request);

            assertThat(new HashSet<>(engine.feasible(request))).isEqualTo(expected);
            assertThat(engine.feasible(request)).doesNotHaveDuplicates();
            PlacementDecision decision = engine.place(request);
            if (expected.isEmpty()) {
                assertThat(decision).isInstanceOf(PlacementDecision.Unplaceable.class);
            } else {
                PlacementDecision.Placed placed = (PlacementDecision.Placed) decision;
                assertThat(expected).contains(placed.target());
                int rejected = placed.rejectedBy().values().stream().mapToInt(Integer::intValue).sum();
                assertThat(rejected + placed.hostsPassed() + placed.hostsUnexamined()).isEqualTo(fleet.size());
                assertThat(placed.hostsUnexamined()).isNotNegative();
                live.add(request.requestId());
            }
        }
    }

    @Property(tries = 300)
    void placingAndReleasingInAnyOrderLeavesTheIndexAsIfRebuiltFromScratch(
            @ForAll("steps") List<Step> steps, @ForAll @IntRange(max = 1000) int fleetSeed,
            @ForAll PlacementPolicy.Packing packing) {
        List<Host> fleet = fleet(fleetSeed);
        PlacementEngine engine = new PlacementEngine(new PlacementPolicy(1, 1, packing), fleetSeed);
        fleet.forEach(engine::addHost);
        List<String> live = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step step = steps.get(i);
            if (step.release() && !live.isEmpty()) {
                engine.release(live.remove(step.pick() % live.size()));
            } else if (engine.place(new PlacementRequest("r" + i, "t", step.demand(), hints(step), allowList(step)))
                    instanceof PlacementDecision.Placed) {
                live.add("r" + i);
            }
        }

        PlacementEngine rebuilt = new PlacementEngine(PlacementPolicy.defaults());
        for (Host host : fleet) {
            rebuilt.addHost(host, host.capacity().minus(engine.freeCapacity(host.target()).orElseThrow()));
        }
        assertThat(engine.describeIndex()).isEqualTo(rebuilt.describeIndex());
    }

    /**
     * What the engine before the index did: every filter on every host, the groups read off the
     * live allocations.
     */
    private static Set<PlacementTarget> fullScan(PlacementEngine engine, List<Host> fleet, List<String> live,
                                                 PlacementRequest request) {
        PlacementHints hints = request.hints();
        String pinnedZone = null;
        String pinnedProvider = null;
        String pinnedRegion = null;
        Set<PlacementTarget> antiAffinityHosts = new HashSet<>();
        for (String id : live) {
            Allocation a = engine.allocation(id).orElseThrow();
            String tenant = tenantOf(engine, id);
            if (!tenant.equals(request.tenantId())) {
                continue;
            }
            if (hints.affinityGroup() != null && hints.affinityGroup().equals(a.affinityGroup())) {
                pinnedProvider = a.target().provider();
                pinnedRegion = a.target().region();
                pinnedZone = a.target().zone();
            }
            if (hints.antiAffinityGroup() != null && hints.antiAffinityGroup().equals(a.antiAffinityGroup())) {
                antiAffinityHosts.add(a.target());
            }
        }
        Map<PlacementTarget, Resources> free = new HashMap<>();
        fleet.forEach(h -> free.put(h.target(), engine.freeCapacity(h.target()).orElseThrow()));
        Set<PlacementTarget> admitted = new HashSet<>();
        for (Host host : fleet) {
            boolean pass = (request.allowedProviders().isEmpty() || request.allowedProviders().contains(host.provider()))
                    && (hints.providerKind() == null || hints.providerKind() == host.kind())
                    && (hints.region() == null || hints.region().equals(host.region()))
                    && (hints.zone() == null || hints.zone().equals(host.zone()))
                    && (pinnedZone == null || (pinnedProvider.equals(host.provider())
                    && pinnedRegion.equals(host.region()) && pinnedZone.equals(host.zone())))
                    && priceAdmits(host.rate(), request)
                    && request.demand().fitsIn(free.get(host.target()))
                    && !antiAffinityHosts.contains(host.target());
            if (pass) {
                admitted.add(host.target());
            }
        }
        return admitted;
    }

    private static boolean priceAdmits(HourlyRate rate, PlacementRequest request) {
        BigDecimal price;
        if (rate instanceof HourlyRate.PerVcpu v) {
            price = v.perVcpu().multiply(BigDecimal.valueOf(request.demand().vcpu()));
        } else {
            price = ((HourlyRate.PerFlavor) rate).byFlavor().get(request.hints().flavor());
            if (price == null) {
                return false;
            }
        }
        BigDecimal ceiling = request.hints().maxHourlyPrice();
        return ceiling == null || price.compareTo(ceiling) <= 0;
    }

    /** Tenants are "t0" and "t1", fixed by the request id's step; the allocation carries it. */
    private static String tenantOf(PlacementEngine engine, String requestId) {
        return engine.allocation(requestId).orElseThrow().tenantId();
    }
}
