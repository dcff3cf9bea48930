package io.skydeck.placement;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of placements and releases over a small inventory of uneven hosts, checked
 * against a model rebuilt from the engine's own allocations after every step.
 */
class PlacementPropertiesTest {

    /** One step: place a request (with optional groups and zone hint) or release an earlier one. */
    record Step(boolean release, int pick, Resources demand, String affinity, String antiAffinity, String zone) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Resources> demand = Combinators.combine(
                Arbitraries.integers().between(1, 24), Arbitraries.longs().between(256, 48_000),
                Arbitraries.integers().between(0, 2).map(g -> g == 2 ? 1 : 0)).as(Resources::new);
        Arbitrary<String> group = Arbitraries.of("g1", "g2", "g3").injectNull(0.6);
        Arbitrary<String> zone = Arbitraries.of("a", "b").injectNull(0.7);
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 3).map(r -> r == 0),
                Arbitraries.integers().between(0, 1000), demand, group, group, zone).as(Step::new);
        return step.list().ofMinSize(1).ofMaxSize(120);
    }

    /** Two zones of four hosts each, 16 to 64 vCPU, two providers at different prices, some GPUs. */
    private static final List<Host> hosts = new ArrayList<>();

    static {
        int n = 0;
        for (String zone : List.of("a", "b")) {
            for (int i = 0; i < 4; i++) {
                hosts.add(new Host("p" + i % 2, i % 2 == 0 ? ProviderKind.OPENSTACK : ProviderKind.AWS, "r1", zone,
                        "h" + n++, Resources.of(16 + 16 * i, 32_768L * (i + 1), i == 3 ? 2 : 0),
                        HourlyRate.perVcpu(i % 2 == 0 ? "0.02" : "0.03")));
            }
        }
    }

    private static PlacementEngine engine(PlacementPolicy.Packing packing) {
        PlacementEngine engine = new PlacementEngine(new PlacementPolicy(1, 1, packing));
        hosts.forEach(engine::addHost);
        return engine;
    }

    /** Runs the steps, calling {@code check} with the live allocations after each one. */
    private static void run(List<Step> steps, PlacementPolicy.Packing packing,
                            java.util.function.BiConsumer<PlacementEngine, List<Allocation>> check) {
        PlacementEngine engine = engine(packing);
        List<String> live = new ArrayList<>();
        int next = 0;
        for (Step step : steps) {
            if (step.release() && !live.isEmpty()) {
                assertThat(engine.release(live.remove(step.pick() % live.size()))).isTrue();
            } else {
                PlacementHints hints = PlacementHints.none().withAffinityGroup(step.affinity())
                        .withAntiAffinityGroup(step.antiAffinity()).inZone(step.zone());
                String id = "r" + next++;
                if (engine.place(new PlacementRequest(id, "t", step.demand(), hints)) instanceof PlacementDecision.Placed) {
                    live.add(id);
                }
            }
            List<Allocation> allocations = new ArrayList<>();
            live.forEach(id -> allocations.add(engine.allocation(id).orElseThrow()));
            check.accept(engine, allocations);
        }
    }

    @Property
    void noHostsAllocationsEverExceedItsCapacityAndFreeCapacityIsWhatTheyLeave(
            @ForAll("steps") List<Step> steps, @ForAll PlacementPolicy.Packing packing) {
        run(steps, packing, (engine, allocations) -> {
            Map<PlacementTarget, Resources> used = new HashMap<>();
            allocations.forEach(a -> used.merge(a.target(), a.demand(), Resources::plus));
            for (Host host : hosts) {
                Resources onHost = used.getOrDefault(host.target(), Resources.NONE);
                assertThat(onHost.fitsIn(host.capacity())).as("%s holds %s", host.hostId(), onHost).isTrue();
                assertThat(engine.freeCapacity(host.target())).contains(host.capacity().minus(onHost));
            }
        });
    }

    @Property
    void antiAffinityMembersNeverShareAHostAndAffinityMembersNeverLeaveTheirZone(
            @ForAll("steps") List<Step> steps, @ForAll PlacementPolicy.Packing packing) {
        run(steps, packing, (engine, allocations) -> {
            Map<String, Set<PlacementTarget>> antiHosts = new HashMap<>();
            Map<String, Set<String>> affinityZones = new HashMap<>();
            for (Allocation a : allocations) {
                if (a.antiAffinityGroup() != null) {
                    assertThat(antiHosts.computeIfAbsent(a.antiAffinityGroup(), g -> new HashSet<>()).add(a.target()))
                            .as("%s shares %s with another member", a.requestId(), a.target()).isTrue();
                }
                if (a.affinityGroup() != null) {
                    affinityZones.computeIfAbsent(a.affinityGroup(), g -> new HashSet<>()).add(a.target().zone());
                }
            }
            affinityZones.values().forEach(zones -> assertThat(zones).hasSize(1));
        });
    }

    @Property
    void releasingEveryPlacementRestoresEveryHostToItsFullCapacity(
            @ForAll("steps") List<Step> steps, @ForAll PlacementPolicy.Packing packing) {
        PlacementEngine engine = engine(packing);
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            PlacementHints hints = PlacementHints.none().withAntiAffinityGroup(s.antiAffinity());
            if (engine.place(new PlacementRequest("r" + i, "t", s.demand(), hints)) instanceof PlacementDecision.Placed) {
                placed.add("r" + i);
            }
        }

        placed.forEach(engine::release);

        for (Host host : hosts) {
            assertThat(engine.freeCapacity(host.target())).contains(host.capacity());
        }
        assertThat(engine.hostsInUse()).isZero();
        engine.capacity().forEach(zone -> assertThat(zone.free()).isEqualTo(zone.capacity()));
    }
}
